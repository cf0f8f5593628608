#!/bin/sh
# containerd (Debian's 1.6) drives RUNTIME through its runc shim (containerd-shim-runc-v2,
# `ctr run --runc-binary`): boxoci, or /usr/sbin/runc to check this harness itself. The
# containerd is the test's own (root, state, sockets and config in a temp dir, the native
# snapshotter, no CRI plugin); the image is a docker archive of a busybox root made here
# and brought in with `ctr images import`. Containers get a new network namespace without
# CNI (no --net-host): nothing of the host's network is touched. Their cgroups are made
# below this process's own (--cgroup), and looked at from outside: a memory limit and pause
# must be in them (v2 memory.max and cgroup.freeze on a pure v2 host, as in
# scripts/test-cgroup2-vm.sh; v1 memory and freezer, or hybrid v2 cgroup.freeze). As root.
# Usage: test_containerd.sh RUNTIME MKROOTFS
set -u
runtime=$(realpath "$1")
mkrootfs=$2
here=$(cd "$(dirname "$0")" && pwd)
for p in containerd ctr containerd-shim-runc-v2; do
  command -v $p >/dev/null || { echo "SKIP: no $p (apt-get install containerd)"; exit 77; }
done
command -v script >/dev/null || { echo "SKIP: no script(1) for a terminal (util-linux)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the containerd suite runs as root"; exit 77; }
[ -x "$runtime" ] || { echo "no runtime $runtime"; exit 1; }
tmp=$(mktemp -d /tmp/boxoci-containerd.XXXXXX)
out=$tmp/out
. "$here/engines-lib.sh"
cgp=$(cgroup_parent "boxoci-containerd-$$")
if [ -z "$cgp" ]; then
  rm -rf "$tmp"
  echo "SKIP: no cgroup below this process's own in every hierarchy for the containers"
  exit 77
fi
ns=boxoci-test
img=localhost/boxoci-test:latest
# The shim keeps the runtime's state in /run/containerd/runc/NAMESPACE (its --root).
state_root=/run/containerd/runc/$ns
# pidcg PID CONTROLLER: PID's cgroup in CONTROLLER's v1 hierarchy, or in the unified one
# for CONTROLLER "" (what a limit or a pause must change, seen from outside the container:
# the runtime may put the container in cgroupsPath itself, as runc does, or below it, as
# boxoci does: libbox makes a box's cgroup below a parent).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then v2=yes; else v2=; fi
pidcg() {
  awk -F: -v c="$2" '{ rest = substr($0, length($1) + length($2) + 3)
    if (c == "" && $1 == "0" && $2 == "") { print rest; exit }
    n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print rest; exit } }' \
    "/proc/$1/cgroup"
}
freezer_state() { # PID
  f=/sys/fs/cgroup/freezer$(pidcg "$1" freezer)/freezer.state
  if [ -z "$v2" ] && [ -f "$f" ]; then cat "$f"
  else grep '^frozen ' "/sys/fs/cgroup$([ -n "$v2" ] || echo /unified)$(pidcg "$1" "")/cgroup.events"
  fi
}
# cg_levels ID PID V2FILE V1CONTROLLER V1FILE: "CGROUP VALUE" of that file for PID's cgroup
# and each one above it up to container ID's cgroupsPath ($cgp/ID): a limit the runtime
# set on any of them holds for the container.
cg_levels() {
  c=$([ -n "$v2" ] || echo "$4")
  f=$([ -n "$v2" ] && echo "$3" || echo "$5")
  p=$(pidcg "$2" "$c")
  while :; do
    echo "$p $(cat "/sys/fs/cgroup${c:+/$c}$p/$f")"
    case $p in "$cgp/$1"|/|"") break ;; esac
    p=${p%/*}
  done
}

cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$tmp/containerd.sock"
[ttrpc]
  address = "$tmp/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$tmp/opt"
EOF
CTR="ctr --address $tmp/containerd.sock --namespace $ns"
RUN="$CTR run --runc-binary $runtime --snapshotter native --fifo-dir $tmp/fifo"
EXEC="$CTR task exec --fifo-dir $tmp/fifo"

containerd_pid=
cleanup() {
  if [ -n "$containerd_pid" ]; then
    for c in $($CTR containers ls -q 2>/dev/null); do
      $CTR task kill -s SIGKILL "$c" >/dev/null 2>&1
      $CTR task delete -f "$c" >/dev/null 2>&1
      $CTR containers delete "$c" >/dev/null 2>&1
    done
    $CTR images rm "$img" >/dev/null 2>&1
    kill "$containerd_pid"
    wait "$containerd_pid"
  fi
  for m in $(mounts_below "$tmp" | sort -r); do umount "$m"; done
  remove_cgroups_made
  rmdir "$state_root" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
containerd_pid=$!
until_true 100 $CTR version || { cat "$tmp/containerd.log"; echo "containerd did not start"; exit 1; }
echo "$(containerd --version), runtime $runtime"

# A docker archive (one layer, the busybox root) for ctr images import.
make_rootfs_tar "$mkrootfs" "$tmp/layer.tar" || { echo "making the rootfs failed"; exit 1; }
# (made with the shell, not python: the cgroup v2 VM has the suite without a python)
digest=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
printf '{"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"]}, "rootfs": {"type": "layers", "diff_ids": ["sha256:%s"]}}\n' \
  "$digest" >"$tmp/config.json"
printf '[{"Config": "config.json", "RepoTags": ["%s"], "Layers": ["layer.tar"]}]\n' "$img" \
  >"$tmp/manifest.json"
tar -C "$tmp" -cf "$tmp/image.tar" manifest.json config.json layer.tar
t "images import" 0 '' $CTR images import --snapshotter native "$tmp/image.tar"

# run in the foreground: ctr exits with the container's status.
t "run: exit code" 7 '' $RUN --rm --cgroup "$cgp/r1" "$img" r1 sh -c 'exit 7'
t "run: output, a pid namespace, env, cwd" 0 '^pid [12] bar /tmp$' $RUN --rm --cgroup "$cgp/r2" \
  --env FOO=bar --cwd /tmp "$img" r2 sh -c 'echo pid $$ $FOO $(pwd)'
t "run: its own network namespace (lo only)" 0 '^lo$' $RUN --rm --cgroup "$cgp/r3" "$img" r3 \
  ls /sys/class/net
t "run: --memory-limit, OOM kill is 137" 137 '' $RUN --rm --cgroup "$cgp/r4" \
  --memory-limit 33554432 "$img" r4 dd if=/dev/zero of=/dev/null bs=200M count=1
t "run: -t" 0 '/dev/pts/[0-9]+' script -qec "$RUN --rm -t --cgroup $cgp/r5 $img r5 tty" /dev/null

# A running task: ps, exec, pause, resume, kill, delete.
t "run -d --memory-limit" 0 '' $RUN -d --cgroup "$cgp/c1" --memory-limit 67108864 "$img" c1 \
  sh -c 'sleep 1000 & exec sleep 1001'
t "task ls: running" 0 '^c1 +[0-9]+ +RUNNING' $CTR task ls
# Its cgroup, from outside: its init process (the task's pid) at or below the cgroupsPath
# asked for, the limit there (v2 memory.max, v1 memory.limit_in_bytes).
c1pid=$($CTR task ls | awk '$1 == "c1" { print $2 }')
t "cgroup: the task in $cgp/c1" 0 "^$cgp/c1(/|\$)" pidcg "$c1pid" "$([ -n "$v2" ] || echo memory)"
t "cgroup: the memory limit" 0 ' 67108864$' cg_levels c1 "$c1pid" memory.max memory memory.limit_in_bytes
echo "# c1's cgroups and their limits: $(cg_levels c1 "$c1pid" memory.max memory memory.limit_in_bytes |
  tr '\n' ';')"
# Two processes (three below an init: boxoci's pid 1 is libbox's box-init).
# (polled: right after run -d the shell may not have forked and exec'ed yet)
until_true 100 sh -c "[ \$($CTR task ps c1 | tail -n +2 | wc -l) -ge 2 ]"
t "task ps: both processes" 0 '^[0-9]+ ' sh -c "[ \$($CTR task ps c1 | tail -n +2 | wc -l) -ge 2 ] && $CTR task ps c1"
t "task exec: the container's processes" 0 '^exec-ok .*sleep 1001' $EXEC --exec-id e1 c1 \
  sh -c 'echo exec-ok $(cat /proc/[0-9]*/cmdline | tr "\\0" " ")'
t "task exec: exit code" 4 '' $EXEC --exec-id e2 c1 sh -c 'exit 4'
t "task exec: --cwd --user" 0 '^/home/user 1000$' $EXEC --exec-id e3 --cwd /home/user \
  --user 1000 c1 sh -c 'echo $(pwd) $(id -u)'
t "task exec -t" 0 '/dev/pts/[0-9]+' script -qec "$EXEC -t --exec-id e4 c1 tty" /dev/null
t "task pause" 0 '' $CTR task pause c1
t "task ls: paused" 0 '^c1 +[0-9]+ +PAUSED' $CTR task ls
# The freezer, from outside: v2 cgroup.events' frozen (a pure v2 host; a hybrid one where
# the pid has no v1 freezer cgroup, as with libbox, which freezes with the v2 one), or v1
# freezer.state.
t "pause: the cgroup is frozen" 0 '^(frozen 1|FROZEN)$' freezer_state "$c1pid"
t "task resume" 0 '' $CTR task resume c1
t "task ls: running again" 0 '^c1 +[0-9]+ +RUNNING' $CTR task ls
t "resume: the cgroup is thawed" 0 '^(frozen 0|THAWED)$' freezer_state "$c1pid"
t "task kill -a (every process)" 0 '' $CTR task kill -a -s SIGKILL c1
until_true 100 sh -c "$CTR task ls | grep -Eq '^c1 +[0-9]+ +STOPPED'" && ok "task stopped" ||
  { $CTR task ls >"$out" 2>&1; bad "task not stopped"; }
t "task delete" 0 '' $CTR task delete c1
t "containers delete" 0 '' $CTR containers delete c1

# kill with a signal the program handles.
$RUN -d --cgroup "$cgp/c2" "$img" c2 sh -c 'trap "exit 5" TERM; while :; do sleep 0.1; done' >/dev/null
t "task kill (SIGTERM, handled)" 0 '' $CTR task kill c2
until_true 100 sh -c "$CTR task ls | grep -Eq '^c2 +[0-9]+ +STOPPED'" && ok "task stopped" ||
  { $CTR task ls >"$out" 2>&1; bad "task not stopped"; }
t "task delete: the exit status" 0 'exit code 5' $CTR task delete c2
t "containers delete" 0 '' $CTR containers delete c2

# Nothing left: task, mount, cgroup, runtime state, process.
t_empty "no task left" sh -c "$CTR task ls -q"
t_empty "no mount left" mounts_below "$tmp"
for id in r1 r2 r3 r4 r5 c1 c2; do
  t_empty "no cgroup left ($id)" cgroup_dirs "$cgp/$id"
  t "no runtime state left ($id)" 1 '' test -e "$state_root/$id"
done
t_not "no shim left" "containerd-shim-runc-v2 -namespace $ns" ps -eo args
summary
