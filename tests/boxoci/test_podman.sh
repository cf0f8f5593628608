#!/bin/sh
# podman (Debian's 4.3) drives RUNTIME: boxoci, or /usr/sbin/runc to check this harness
# itself. Everything podman keeps is in a temp dir of the test's own: containers.conf
# (CONTAINERS_CONF, also given to conmon so that its cleanup call sees it), storage.conf
# (vfs), the events log and file locks; the image is a busybox root made here and brought
# in with `podman import` (no registry). Every container runs with --network none (podman's
# network backends would touch the host's firewall and sysctls) and below a cgroup of this
# process's own (--cgroup-parent). The nofile and nproc ulimits are set in containers.conf:
# podman's defaults are above this host's hard limits, which a runtime cannot raise without
# CAP_SYS_RESOURCE. As root; rootless podman is not run yet (see the end).
# Usage: test_podman.sh RUNTIME MKROOTFS
set -u
runtime=$(realpath "$1")
mkrootfs=$2
here=$(cd "$(dirname "$0")" && pwd)
for p in podman conmon; do
  command -v $p >/dev/null || { echo "SKIP: no $p (apt-get install podman)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the podman suite runs as root"; exit 77; }
[ -x "$runtime" ] || { echo "no runtime $runtime"; exit 1; }
tmp=$(mktemp -d /tmp/boxoci-podman.XXXXXX)
out=$tmp/out
. "$here/engines-lib.sh"
cgp=$(cgroup_parent "boxoci-podman-$$")
if [ -z "$cgp" ]; then
  rm -rf "$tmp"
  echo "SKIP: no cgroup below this process's own in every hierarchy for the containers"
  exit 77
fi
name=$(basename "$runtime")
state_root=/run/$name # where runc, crun and boxoci keep their state for root by default
img=localhost/boxoci-test:latest

cat >"$tmp/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
default_sysctls = []
log_driver = "k8s-file"
netns = "none"

[network]
network_backend = "cni"
network_config_dir = "$tmp/net"

[engine]
cgroup_manager = "cgroupfs"
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=$tmp/containers.conf", "CONTAINERS_STORAGE_CONF=$tmp/storage.conf"]
events_logger = "file"
events_logfile_path = "$tmp/events.log"
lock_type = "file"
num_locks = 128
runtime_supports_json = ["crun", "runc", "$name"]
tmp_dir = "$tmp/libpod"
volume_path = "$tmp/volumes"
EOF
cat >"$tmp/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$tmp/graph"
runroot = "$tmp/run"
EOF
export CONTAINERS_CONF="$tmp/containers.conf" CONTAINERS_STORAGE_CONF="$tmp/storage.conf"
PM="podman --runtime $runtime"
RUN="$PM run --network none --cgroup-parent $cgp"

cleanup() {
  $PM rm -af -t 0 >/dev/null 2>&1
  $PM rmi -af >/dev/null 2>&1
  for m in $(mounts_below "$tmp" | sort -r); do umount "$m"; done
  remove_cgroup_tree "$cgp"
  rm -rf "$tmp"
}
trap cleanup EXIT

make_rootfs_tar "$mkrootfs" "$tmp/rootfs.tar" || { echo "making the rootfs failed"; exit 1; }
t "podman import of a busybox root" 0 '' $PM import "$tmp/rootfs.tar" "$img"
echo "podman $(podman version --format '{{.Client.Version}}'), runtime $runtime"

# run: what the container gets from podman's flags.
t "run: exit code" 7 '' $RUN --rm "$img" sh -c 'exit 7'
t "run: output, pid 1" 0 '^pid 1$' $RUN --rm "$img" sh -c 'echo pid $$'
t "run: -e" 0 '^bar$' $RUN --rm -e FOO=bar "$img" sh -c 'echo $FOO'
t "run: -w" 0 '^/home/user$' $RUN --rm -w /home/user "$img" pwd
t "run: --user" 0 '^1000:1000$' $RUN --rm --user 1000:1000 "$img" sh -c 'echo $(id -u):$(id -g)'
t "run: --hostname" 0 '^hh$' $RUN --rm --hostname hh "$img" hostname
t "run: -i with stdin" 0 '^hello-stdin$' sh -c "echo hello-stdin | $RUN --rm -i $img cat"
t "run: -t" 0 '^/dev/pts/[0-9]+' $RUN --rm -t "$img" tty
t "run: --read-only" 0 '^rc=1 tmp=0$' $RUN --rm --read-only "$img" \
  sh -c 'touch /x 2>/dev/null; a=$?; touch /tmp/x; echo rc=$a tmp=$?'
mkdir "$tmp/vol"
echo volfile >"$tmp/vol/f"
t "run: -v :ro" 0 '^volfile rc=1$' $RUN --rm -v "$tmp/vol:/data:ro" "$img" \
  sh -c 'f=$(cat /data/f); touch /data/g 2>/dev/null; echo $f rc=$?'
t "run: podman's default capabilities" 0 '^CapEff:\s+00000000a80425fb$' $RUN --rm "$img" \
  grep CapEff /proc/self/status
t "run: --cap-drop all" 0 '^CapBnd:\s+0000000000000000$' $RUN --rm --cap-drop all "$img" \
  grep CapBnd /proc/self/status
t "run: --memory 32m: OOM kill is 137" 137 '' $RUN --rm --memory 32m --memory-swap 32m "$img" \
  dd if=/dev/zero of=/dev/null bs=200M count=1
t "run: --pids-limit" 2 "can't fork" $RUN --rm --pids-limit 5 "$img" \
  sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait'

# exec into a running container.
$RUN -d --name e1 "$img" sleep 1000 >/dev/null
t "exec: -e -w --user" 0 '^1 /tmp 1000:1000$' $PM exec -e X=1 -w /tmp --user 1000:1000 e1 \
  sh -c 'echo $X $(pwd) $(id -u):$(id -g)'
t "exec: the container's pid namespace" 0 '^sleep' $PM exec e1 cat /proc/1/cmdline
t "exec: exit code" 5 '' $PM exec e1 sh -c 'exit 5'
t "exec: -i with stdin" 0 '^hello-exec$' sh -c "echo hello-exec | $PM exec -i e1 cat"
t "exec: -t" 0 '^/dev/pts/[0-9]+' $PM exec -t e1 tty
# stop: sleep as pid 1 ignores SIGTERM, so after 2 s it is SIGKILL.
t "stop -t 2" 0 '' $PM stop -t 2 e1
t "stop: killed after the timeout (137)" 0 '^137$' $PM inspect -f '{{.State.ExitCode}}' e1

# kill with a signal the program handles, then stop (SIGTERM, handled) and kill.
$RUN -d --name k1 "$img" sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 5" TERM
  echo ready; while :; do sleep 0.1; done' >/dev/null
until_true 100 sh -c "$PM logs k1 | grep -q ready"
t "kill -s USR1" 0 '' $PM kill -s USR1 k1
until_true 100 sh -c "$PM logs k1 | grep -q got-usr1" && ok "kill: the program got USR1" ||
  { $PM logs k1 >"$out" 2>&1; bad "kill: no got-usr1 in the logs"; }
t "stop: SIGTERM handled" 0 '' $PM stop -t 10 k1
t "stop: the program's own exit code" 0 '^5$' $PM inspect -f '{{.State.ExitCode}}' k1
t "kill of a stopped container fails" 125 '' $PM kill k1
$RUN -d --name k2 "$img" sleep 1000 >/dev/null
t "kill (SIGKILL)" 0 '' $PM kill k2
until_true 100 sh -c "[ \"\$($PM inspect -f '{{.State.Status}}' k2)\" = exited ]"
t "kill: 137" 0 '^137$' $PM inspect -f '{{.State.ExitCode}}' k2

# pause and unpause: the counter stops while paused.
$RUN -d --name p1 "$img" sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done' >/dev/null
until_true 100 sh -c "[ \$($PM logs p1 | wc -l) -gt 2 ]"
t "pause" 0 '' $PM pause p1
t "pause: status paused" 0 '^paused$' $PM inspect -f '{{.State.Status}}' p1
n1=$($PM logs p1 | wc -l)
sleep 0.5
n2=$($PM logs p1 | wc -l)
[ "$n1" -eq "$n2" ] && ok "pause: nothing runs ($n1 lines)" || { : >"$out"; bad "pause: $n1 then $n2 lines"; }
t "unpause" 0 '' $PM unpause p1
until_true 100 sh -c "[ \$($PM logs p1 | wc -l) -gt $n2 ]" && ok "unpause: it runs again" ||
  { : >"$out"; bad "unpause: the counter did not move"; }
t "unpause: status running" 0 '^running$' $PM inspect -f '{{.State.Status}}' p1

# logs of a container that ended.
$RUN -d --name l1 "$img" sh -c 'echo out-line; echo err-line >&2' >/dev/null
t "wait" 0 '^0$' $PM wait l1
t "logs: stdout" 0 '^out-line$' $PM logs l1
t "logs: stderr" 0 '^err-line$' $PM logs l1

# rm leaves nothing: no mount, cgroup, runtime state or process of the containers.
ids=$($PM ps -aq --no-trunc)
t "rm -f" 0 '' $PM rm -f -t 0 e1 k1 k2 p1 l1
t_empty "rm: no container left" $PM ps -aq
t_empty "rm: no mount left" mounts_below "$tmp"
for id in $ids; do
  t_empty "rm: no cgroup left ($id)" cgroup_dirs "$cgp/libpod-$id"
  t "rm: no runtime state left ($id)" 1 '' test -e "$state_root/$id"
  t_not "rm: no process left ($id)" "$id" ps -eo args
done

echo "SKIP rootless podman: not run by this suite yet"
summary
