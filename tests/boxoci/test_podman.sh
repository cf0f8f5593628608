#!/bin/sh
# podman (Debian's 4.3) drives RUNTIME: boxoci, or /usr/sbin/runc to check this harness
# itself. Everything podman keeps is in a temp dir of the test's own: containers.conf
# (CONTAINERS_CONF, also given to conmon so that its cleanup call sees it), storage.conf
# (vfs), the events log and file locks; the image is a busybox root made here and brought
# in with `podman import` (no registry). Every container runs with --network none (podman's
# network backends would touch the host's firewall and sysctls) and, as root, below a cgroup
# of this process's own (--cgroup-parent). The nofile and nproc ulimits are set in
# containers.conf: podman's defaults are above this host's hard limits, which a runtime
# cannot raise without CAP_SYS_RESOURCE.
#
# As root, then rootless: podman as a user the test adds for the run (useradd gives it
# subordinate uid and gid ranges, userdel takes them back), with HOME and XDG_RUNTIME_DIR
# in the temp dir. BOXOCI_TEST_NO_USERADD=1 skips the rootless suite instead.
# Usage: test_podman.sh RUNTIME MKROOTFS
set -u
runtime=$(realpath "$1")
mkrootfs=$2
here=$(cd "$(dirname "$0")" && pwd)
for p in podman conmon; do
  command -v $p >/dev/null || { echo "SKIP: no $p (apt-get install podman)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the podman suite runs as root"; exit 77; }
[ -x "$runtime" ] || { echo "no runtime $1"; exit 1; }
tmp=$(mktemp -d /tmp/boxoci-podman.XXXXXX)
chmod 755 "$tmp"
out=$tmp/out
. "$here/engines-lib.sh"
cgp=$(cgroup_parent "boxoci-podman-$$")
if [ -z "$cgp" ]; then
  rm -rf "$tmp"
  echo "SKIP: no cgroup below this process's own in every hierarchy for the containers"
  exit 77
fi
rtname=$(basename "$runtime")
img=localhost/boxoci-test:latest
user=
modes=

# The podman command of a suite, as root or as the test's user.
podman_cmd() {
  d=$tmp/$1
  if [ "$1" = root ]; then
    echo "env CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf podman --runtime $runtime"
  else
    echo "runuser -u $user -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$d/home XDG_RUNTIME_DIR=$d/xdg CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf podman --runtime $runtime"
  fi
}

cleanup() {
  for mode in $modes; do
    PM=$(podman_cmd $mode)
    $PM rm -af -t 0 >/dev/null 2>&1
    $PM rmi -af >/dev/null 2>&1
    # Rootless podman keeps a process holding its user namespace: ours, ended by pid.
    [ -s "$tmp/$mode/libpod/pause.pid" ] && kill "$(cat "$tmp/$mode/libpod/pause.pid")"
  done
  # userdel refuses while one of the user's processes is still there (the pause process,
  # until it is reaped).
  [ -n "$user" ] && ! until_true 100 userdel "$user" && echo "userdel $user failed"
  for m in $(mounts_below "$tmp" | sort -r); do umount "$m"; done
  remove_cgroups_made
  rm -rf "$tmp"
}
trap cleanup EXIT

make_rootfs_tar "$mkrootfs" "$tmp/rootfs.tar" || { echo "making the rootfs failed"; exit 1; }
chmod 644 "$tmp/rootfs.tar"
echo "podman $(podman version --format '{{.Client.Version}}'), runtime $runtime"

suite() { # MODE: root or rootless
  mode=$1
  modes="$modes $mode"
  podman_config "$tmp/$mode" "$rtname"
  PM=$(podman_cmd "$mode")
  if [ "$mode" = root ]; then
    RUN="$PM run --network none --cgroup-parent $cgp"
    state_root=/run/$rtname # where runc, crun and boxoci keep their state for root
  else
    mkdir -p "$tmp/$mode/home" "$tmp/$mode/xdg"
    chmod 700 "$tmp/$mode/xdg"
    chown -R "$user:" "$tmp/$mode"
    RUN="$PM run --network none"
    state_root=$tmp/$mode/xdg/$rtname # rootless: $XDG_RUNTIME_DIR/RUNTIME
  fi
  # Limits and pause need cgroups: a rootless podman has none on a v1 or hybrid host.
  cgroups=yes
  [ "$mode" = rootless ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ] && cgroups=

  t "$mode: podman import of a busybox root" 0 '' $PM import "$tmp/rootfs.tar" "$img"

  # run: what the container gets from podman's flags.
  t "$mode: run: exit code" 7 '' $RUN --rm "$img" sh -c 'exit 7'
  # The program is pid 1 (runc), or pid 2 below an init (boxoci: libbox's box-init).
  t "$mode: run: output, a pid namespace" 0 '^pid [12]$' $RUN --rm "$img" sh -c 'echo pid $$'
  t "$mode: run: -e" 0 '^bar$' $RUN --rm -e FOO=bar "$img" sh -c 'echo $FOO'
  t "$mode: run: -w" 0 '^/home/user$' $RUN --rm -w /home/user "$img" pwd
  t "$mode: run: --user" 0 '^1000:1000$' $RUN --rm --user 1000:1000 "$img" sh -c 'echo $(id -u):$(id -g)'
  t "$mode: run: --hostname" 0 '^hh$' $RUN --rm --hostname hh "$img" hostname
  t "$mode: run: -i with stdin" 0 '^hello-stdin$' sh -c "echo hello-stdin | $RUN --rm -i $img cat"
  t "$mode: run: -t" 0 '^/dev/pts/[0-9]+' $RUN --rm -t "$img" tty
  t "$mode: run: --read-only" 0 '^rc=1 tmp=0$' $RUN --rm --read-only "$img" \
    sh -c 'touch /x 2>/dev/null; a=$?; touch /tmp/x; echo rc=$a tmp=$?'
  mkdir -p "$tmp/$mode/vol"
  echo volfile >"$tmp/$mode/vol/f"
  t "$mode: run: -v :ro" 0 '^volfile rc=1$' $RUN --rm -v "$tmp/$mode/vol:/data:ro" "$img" \
    sh -c 'f=$(cat /data/f); touch /data/g 2>/dev/null; echo $f rc=$?'
  t "$mode: run: podman's default capabilities" 0 '^CapEff:\s+00000000a80425fb$' $RUN --rm "$img" \
    grep CapEff /proc/self/status
  t "$mode: run: --user has no capabilities" 0 '^CapEff:\s+0000000000000000$' $RUN --rm --user 1000:1000 \
    "$img" grep CapEff /proc/self/status
  t "$mode: run: --cap-drop all" 0 '^CapBnd:\s+0000000000000000$' $RUN --rm --cap-drop all "$img" \
    grep CapBnd /proc/self/status
  if [ -n "$cgroups" ]; then
    t "$mode: run: --memory 32m: OOM kill is 137" 137 '' $RUN --rm --memory 32m --memory-swap 32m \
      "$img" dd if=/dev/zero of=/dev/null bs=200M count=1
    t "$mode: run: --pids-limit" 2 "can't fork" $RUN --rm --pids-limit 5 "$img" \
      sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait'
    # update: the runtime's update --resources -, read inside (the container's own cgroup
    # is its /sys/fs/cgroup: v1 memory/memory.limit_in_bytes, v2 memory.max).
    $RUN -d --name u1 --memory 64m --memory-swap 64m "$img" sleep 1000 >/dev/null
    t "$mode: update --memory" 0 '' $PM update --memory 96m --memory-swap 96m u1
    t "$mode: update: the limit inside" 0 '^100663296$' $PM exec u1 sh -c \
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
    $PM rm -f -t 0 u1 >/dev/null 2>&1
  else
    skip "$mode: --memory and --pids-limit: rootless podman has no cgroups on a v1 host"
  fi

  # exec into a running container.
  $RUN -d --name e1 "$img" sh -c 'trap "" TERM; exec sleep 1000' >/dev/null
  t "$mode: exec: -e -w --user" 0 '^1 /tmp 1000:1000$' $PM exec -e X=1 -w /tmp --user 1000:1000 e1 \
    sh -c 'echo $X $(pwd) $(id -u):$(id -g)'
  # A non-root exec keeps no capabilities (runc: they go at its exec, there is no ambient set).
  t "$mode: exec: --user has no capabilities" 0 '^CapEff:\s+0000000000000000$' $PM exec --user 1000:1000 e1 \
    grep CapEff /proc/self/status
  t "$mode: exec: the container's pid namespace" 0 '^sleep 1000 $' $PM exec e1 \
    sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " <$f; echo; done'
  t "$mode: exec: exit code" 5 '' $PM exec e1 sh -c 'exit 5'
  t "$mode: exec: -i with stdin" 0 '^hello-exec$' sh -c "echo hello-exec | $PM exec -i e1 cat"
  t "$mode: exec: -t" 0 '^/dev/pts/[0-9]+' $PM exec -t e1 tty
  # stop: the program ignores SIGTERM, so after 2 s it is SIGKILL.
  t "$mode: stop -t 2" 0 '' $PM stop -t 2 e1
  t "$mode: stop: killed after the timeout (137)" 0 '^137$' $PM inspect -f '{{.State.ExitCode}}' e1

  # kill with a signal the program handles, then stop (SIGTERM, handled) and kill.
  $RUN -d --name k1 "$img" sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 5" TERM
    echo ready; while :; do sleep 0.1; done' >/dev/null
  until_true 100 sh -c "$PM logs k1 | grep -q ready"
  t "$mode: kill -s USR1" 0 '' $PM kill -s USR1 k1
  until_true 100 sh -c "$PM logs k1 | grep -q got-usr1" && ok "$mode: kill: the program got USR1" ||
    { $PM logs k1 >"$out" 2>&1; bad "$mode: kill: no got-usr1 in the logs"; }
  t "$mode: stop: SIGTERM handled" 0 '' $PM stop -t 10 k1
  t "$mode: stop: the program's own exit code" 0 '^5$' $PM inspect -f '{{.State.ExitCode}}' k1
  t "$mode: kill of a stopped container fails" 125 '' $PM kill k1
  $RUN -d --name k2 "$img" sleep 1000 >/dev/null
  t "$mode: kill (SIGKILL)" 0 '' $PM kill k2
  until_true 100 sh -c "[ \"\$($PM inspect -f '{{.State.Status}}' k2)\" = exited ]"
  t "$mode: kill: 137" 0 '^137$' $PM inspect -f '{{.State.ExitCode}}' k2

  # pause and unpause: the counter stops while paused.
  if [ -n "$cgroups" ]; then
    $RUN -d --name p1 "$img" sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done' >/dev/null
    until_true 100 sh -c "[ \$($PM logs p1 | wc -l) -gt 2 ]"
    t "$mode: pause" 0 '' $PM pause p1
    t "$mode: pause: status paused" 0 '^paused$' $PM inspect -f '{{.State.Status}}' p1
    n1=$($PM logs p1 | wc -l)
    sleep 0.5
    n2=$($PM logs p1 | wc -l)
    [ "$n1" -eq "$n2" ] && ok "$mode: pause: nothing runs ($n1 lines)" ||
      { : >"$out"; bad "$mode: pause: $n1 then $n2 lines"; }
    t "$mode: unpause" 0 '' $PM unpause p1
    until_true 100 sh -c "[ \$($PM logs p1 | wc -l) -gt $n2 ]" && ok "$mode: unpause: it runs again" ||
      { : >"$out"; bad "$mode: unpause: the counter did not move"; }
    t "$mode: unpause: status running" 0 '^running$' $PM inspect -f '{{.State.Status}}' p1
  else
    skip "$mode: pause/unpause: rootless podman has no cgroups on a v1 host"
  fi

  # logs of a container that ended.
  $RUN -d --name l1 "$img" sh -c 'echo out-line; echo err-line >&2' >/dev/null
  t "$mode: wait" 0 '^0$' $PM wait l1
  t "$mode: logs: stdout" 0 '^out-line$' $PM logs l1
  t "$mode: logs: stderr" 0 '^err-line$' $PM logs l1

  # rm leaves nothing: no mount, cgroup, runtime state or process of the containers.
  ids=$($PM ps -aq --no-trunc)
  t "$mode: rm -f" 0 '' $PM rm -f -t 0 e1 k1 k2 l1 $([ -n "$cgroups" ] && echo p1)
  t_empty "$mode: rm: no container left" $PM ps -aq
  t_empty "$mode: rm: no mount left" mounts_below "$tmp"
  for id in $ids; do
    [ "$mode" = root ] && t_empty "$mode: rm: no cgroup left ($id)" cgroup_dirs "$cgp/libpod-$id"
    t "$mode: rm: no runtime state left ($id)" 1 '' test -e "$state_root/$id"
    t_not "$mode: rm: no process left ($id)" "$id" ps -eo args
  done
}

suite root
if [ -n "${BOXOCI_TEST_NO_USERADD:-}" ]; then
  skip "rootless podman: BOXOCI_TEST_NO_USERADD is set"
elif ! command -v useradd >/dev/null || ! command -v newuidmap >/dev/null; then
  skip "rootless podman: no useradd or newuidmap (apt-get install passwd uidmap)"
else
  user=boxoci$$
  if useradd -M -d /nonexistent -s /bin/sh "$user" && grep -q "^$user:" /etc/subuid; then
    suite rootless
  else
    skip "rootless podman: useradd gave $user no subordinate ids (/etc/login.defs SUB_UID_*)"
  fi
fi
summary
