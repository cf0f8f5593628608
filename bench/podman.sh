#!/bin/sh
# podman run --rm end to end (not a test), with boxoci and with runc as podman's runtime:
# `podman run --rm --network none IMAGE /bin/true`, N times each, alternated in one run.
# Each runtime has a podman of its own (the test's set-up, tests/boxoci/engines-lib.sh:
# vfs storage in a temp dir, the busybox image imported there), the containers' cgroups
# below this process's own. As root. BENCH_PODMAN_RUNTIMES="runc" leaves boxoci out.
# Usage: bench/podman.sh BOXOCI MKROOTFS [N]
set -eu
boxoci=$(realpath "$1")
mkrootfs=$2
n=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/podman-bench.XXXXXX)
out=$tmp/out
. "$here/../tests/boxoci/engines-lib.sh"
cgp=$(cgroup_parent "podman-bench-$$")
[ -n "$cgp" ] || { echo "no cgroup below this process's own in every hierarchy"; exit 1; }
img=localhost/bench:latest
runtimes=${BENCH_PODMAN_RUNTIMES:-boxoci runc}

pm() { # RUNTIME ARGS...
  r=$1
  shift
  path=$boxoci
  [ "$r" = boxoci ] || path=$(command -v "$r")
  CONTAINERS_CONF=$tmp/$r/containers.conf CONTAINERS_STORAGE_CONF=$tmp/$r/storage.conf \
    podman --runtime "$path" "$@"
}
cleanup() {
  for r in $runtimes; do pm "$r" rm -af -t 0 >/dev/null 2>&1 || :; done
  remove_cgroups_made
  rm -rf "$tmp"
}
trap cleanup EXIT

make_rootfs_tar "$mkrootfs" "$tmp/rootfs.tar"
for r in $runtimes; do
  podman_config "$tmp/$r" "$r"
  pm "$r" import "$tmp/rootfs.tar" "$img" >/dev/null 2>&1
  pm "$r" run --rm --network none --cgroup-parent "$cgp" "$img" /bin/true # warm up
  : >"$tmp/$r.times"
done
for i in $(seq "$n"); do
  for r in $runtimes; do
    t0=$(date +%s%N)
    pm "$r" run --rm --network none --cgroup-parent "$cgp" "$img" /bin/true
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >>"$tmp/$r.times"
  done
done
echo "$n iterations, podman $(podman version --format '{{.Client.Version}}'), $(uname -r)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| podman run --rm, runtime | median ms | p99 ms | mean ms | min ms |"
echo "|---|---:|---:|---:|---:|"
for r in $runtimes; do
  sort -n "$tmp/$r.times" | awk -v r="$r" '{ a[NR] = $1; s += $1 }
    END { p = int((NR * 99 + 99) / 100); if (p > NR) p = NR
          printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", r, a[int((NR + 1) / 2)] / 1000,
          a[p] / 1000, s / NR / 1000, a[1] / 1000 }'
done
