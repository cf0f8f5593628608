#!/bin/sh
# boxoci against runc and crun (not a test): create + start + wait + delete of a no-op
# container, i.e. `RUNTIME run --bundle B ID` in the foreground, N times each, alternated
# in one run, from the same bundle (boxoci spec's config.json over a busybox rootfs,
# process /bin/true). As root. crun 1.8 refuses a hybrid cgroup host (even with
# --cgroup-manager=disabled), so on one the whole run happens in a mount namespace of its
# own where the cgroup v2 mount is hidden (the host's mounts are untouched): all three see
# the same v1-only layout. runc makes its v1 cgroups, crun its own (cgroupfs), boxoci none
# (the config has no resources). Usage: bench/oci.sh BOXOCI MKROOTFS [N]
set -eu
if [ -z "${BENCH_OCI_INNER:-}" ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
  BENCH_OCI_INNER=1 exec unshare -m --propagation private sh -c \
    'umount /sys/fs/cgroup/unified && exec sh "$0" "$@"' "$0" "$@"
fi
boxoci=$1
mkrootfs=$2
n=${3:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$mkrootfs" "$tmp/b/rootfs"
mkdir -p "$tmp/b/rootfs/sys"
"$boxoci" spec --bundle "$tmp/b"
python3 - "$tmp/b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"))
PY
run() { # NAME COMMAND...: one container, its wall time in microseconds on stdout
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "$1 failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 ))
}
: >"$tmp/boxoci" ; : >"$tmp/runc"; : >"$tmp/crun"
for i in $(seq "$n"); do
  run "$boxoci" --root "$tmp/s-boxoci" run --bundle "$tmp/b" "c$i" >>"$tmp/boxoci"
  command -v runc >/dev/null &&
    run runc --root "$tmp/s-runc" run --bundle "$tmp/b" "c$i" >>"$tmp/runc"
  command -v crun >/dev/null &&
    run crun --root "$tmp/s-crun" run --bundle "$tmp/b" "c$i" \
      >>"$tmp/crun"
done
for r in boxoci runc crun; do
  [ -s "$tmp/$r" ] || { echo "$r: not installed"; continue; }
  sort -n "$tmp/$r" | awk -v r="$r" '{ a[NR] = $1; s += $1 }
    END { printf "%-7s n=%d  median %6.2f ms  mean %6.2f ms  min %6.2f ms\n", r, NR,
          a[int((NR + 1) / 2)] / 1000, s / NR / 1000, a[1] / 1000 }'
done
