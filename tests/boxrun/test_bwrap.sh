#!/bin/sh
# boxrun's bubblewrap personality (bwrap-libbox), end to end, written from bwrap(1): each
# behaviour of bubblewrap 0.11 it promises, the four escapes it blocks where bwrap lets
# them through, and Flatpak-style command lines; as root and again as nobody.
# Usage: test_bwrap.sh BWRAP_LIBBOX MKROOTFS
set -u
bw=$1
mkrootfs=$2
case $bw in /*) ;; *) bw=$(pwd)/$bw ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=$tmp/root
sh "$mkrootfs" "$root" || { echo "mkrootfs failed"; exit 1; }
out=$tmp/out
pass=0
fail=0
as=""
if [ -z "${LIBBOX_INIT:-}" ] && [ -x "$(dirname "$bw")/../lib/box-init" ]; then
  LIBBOX_INIT=$(dirname "$bw")/../lib/box-init # box-init is pid 1 of a pid namespace
  export LIBBOX_INIT
fi

# t NAME WANT_RC PATTERN COMMAND...: COMMAND's exit status and a line of its output
# (stdout and stderr) matching the extended regex PATTERN ("" for any).
t() {
  name=$1 want=$2 pattern=$3
  shift 3
  $as "$@" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "FAIL - $name: exit $rc (want $want), pattern '$pattern'; output:"
    sed 's/^/    /' "$out"
  fi
}

# ok NAME CONDITION...: a check of what the last command left behind.
ok() {
  name=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "FAIL - $name: $*"
  fi
}

# n NAME PATTERN: the output of the last command has no line matching PATTERN.
n() {
  if grep -Eq -- "$2" "$out"; then
    fail=$((fail + 1))
    echo "FAIL - $1: '$2' in the output:"
    sed 's/^/    /' "$out"
  else
    pass=$((pass + 1))
    echo "ok - $1"
  fi
}

# ubf.sh BWRAP UID GID ARGS: run BWRAP --unshare-user --userns-block-fd as a caller that
# writes the box's maps itself ("UID me 1", "GID me 1"), once --info-fd has named the
# box's pid (the pipe ends only when no process holds it: the box's must not).
cat >"$tmp/ubf.sh" <<'EOF'
bw=$1 u=$2 g=$3 args=$4
d=$(mktemp -d)
mkfifo "$d/info" "$d/block"
exec 7<>"$d/block"
eval "exec \"\$bw\" --unshare-user --ro-bind / / --dev /dev --proc /proc --info-fd 6 --userns-block-fd 5 $args" 6>"$d/info" 5<"$d/block" 7>&- &
bp=$!
pid=$(timeout 60 sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$d/info")
echo "$u $(id -u) 1" >"/proc/$pid/uid_map" && echo deny >"/proc/$pid/setgroups" &&
  echo "$g $(id -g) 1" >"/proc/$pid/gid_map"
echo x >&7
wait "$bp"
rc=$?
rm -rf "$d"
exit $rc
EOF

# As in bwrap, mount points must exist in a read-only root: new ones go below the tmpfs.
rb="--ro-bind $root / --proc /proc --dev /dev --tmpfs /tmp"
host="--ro-bind / / --proc /proc --dev /dev"

# The cases both identities run. $who is "" or "nobody: ".
# started FILE: wait until the first box's program wrote FILE and boxrun wrote its
# --info-fd to $tmp/info1. boxrun writes the info after box_spawn returns, while the program
# runs, so either can come first; up to 120 s, for ASan on a loaded machine.
started() {
  for _ in $(seq 1200); do
    [ -s "$1" ] && grep -q '"child-pid"' "$tmp/info1" && return 0
    sleep 0.1
  done
  return 1
}

common() {
  # usage and the bwrap way of failing
  t "${who}--help prints usage: ARGV0" 0 "^usage: $bw " "$bw" --help
  t "${who}no arguments: usage, exit 1" 1 "^usage: $bw " "$bw"
  t "${who}a missing source: Can't find source path, exit 1" 1 \
    "^bwrap: Can't find source path /nonexistent-src: No such file or directory$" \
    "$bw" $rb --bind /nonexistent-src /tmp/m true
  t "${who}an unknown option" 1 '^bwrap: Unknown option --frobnicate$' "$bw" --frobnicate true
  t "${who}Invalid fd" 1 '^bwrap: Invalid fd: 0a$' "$bw" $rb --info-fd 0a true
  t "${who}Invalid fd: -1" 1 '^bwrap: Invalid fd: -1$' "$bw" $rb --add-seccomp-fd -1 true
  t "${who}the program's exit code" 3 '' "$bw" $rb sh -c 'exit 3'
  t "${who}an exec failure exits 1" 1 '^bwrap: exec no-such-program' "$bw" $rb no-such-program
  t "${who}--level-prefix" 1 '^<3>bwrap: Can.t find source path' \
    "$bw" --level-prefix $rb --bind /nonexistent-src /tmp/m true
  t "${who}--level-prefix on a warning" 0 '^<4>bwrap: Only the last --chdir option' \
    "$bw" --level-prefix $rb --chdir / --chdir /etc true
  t "${who}Only the last --chdir option will take effect" 0 \
    '^bwrap: Only the last --chdir option will take effect$' \
    "$bw" $rb --chdir /bin --chdir /etc pwd
  grep -qx /etc "$out"
  ok "${who}the last --chdir is the one" [ $? = 0 ]
  # inherited environment, cwd and PWD
  t "${who}the caller's environment" 0 '^foo=bar$' env FOO=bar "$bw" $rb sh -c 'echo foo=$FOO'
  t "${who}--clearenv leaves PWD only" 0 '^PWD=/$' env FOO=bar "$bw" $rb --clearenv /bin/env
  n "${who}--clearenv: nothing else" '^(FOO|PATH|HOME)='
  mkdir -p "$tmp/cwd" 2>/dev/null
  t "${who}the caller's cwd, and PWD" 0 "^$tmp/cwd $tmp/cwd\$" \
    sh -c "cd '$tmp/cwd' && exec '$bw' $rb --ro-bind '$tmp' '$tmp' sh -c 'echo \$(pwd) \$PWD'"
  t "${who}a cwd missing in the box: \$HOME" 0 '^/etc$' \
    sh -c "cd '$tmp/cwd' && HOME=/etc exec '$bw' $rb pwd"
  t "${who}no cwd and no HOME: /" 0 '^/$' \
    sh -c "cd '$tmp/cwd' && HOME=/nonexistent exec '$bw' $rb pwd"
  # only the namespaces asked for
  hostnet=$(stat -L -c %i /proc/self/ns/net)
  t "${who}the host's network namespace unless asked" 0 "^$hostnet\$" \
    "$bw" $rb stat -L -c %i /proc/self/ns/net
  t "${who}--unshare-net: a namespace of its own, only lo" 0 '^1$' \
    "$bw" $rb --unshare-net sh -c "[ \$(stat -L -c %i /proc/self/ns/net) != $hostnet ] && grep -c : /proc/net/dev"
  t "${who}--unshare-pid: the program is pid 2 under box-init, as under bwrap's pid 1" 0 \
    '^2$' "$bw" $rb --unshare-pid sh -c 'echo $$'
  t "${who}--as-pid-1" 0 '^1$' "$bw" $rb --unshare-pid --as-pid-1 sh -c 'echo $$'
  t "${who}--as-pid-1 needs --unshare-pid" 1 'requires --unshare-pid' "$bw" $rb --as-pid-1 true
  # mounts
  t "${who}--symlink twice, the same" 0 '^/dev/null$' \
    "$bw" $rb --tmpfs /tmp/t --symlink /dev/null /tmp/t/l --symlink /dev/null /tmp/t/l readlink /tmp/t/l
  t "${who}--symlink over another one" 1 "^bwrap: .*Can't make symlink at /tmp/t/l: existing destination is /dev/null" \
    "$bw" $rb --tmpfs /tmp/t --symlink /dev/null /tmp/t/l --symlink /dev/zero /tmp/t/l true
  # bwrap 0.11 binds over a symlink (where it points, in the box); with --nofollow, as
  # bwrap 0.12, no mount goes onto one (to a directory, a dangling one, --bind-fd, tmpfs)
  t "${who}a bind onto a symlink goes where it points" 0 '' \
    "$bw" $rb --dir /tmp/dir --symlink dir /tmp/link --ro-bind "$root/bin" /tmp/link test -e /tmp/dir/sh
  t "${who}--nofollow: a bind onto a symlink to a directory" 1 "Can't mount on symlink destination /tmp/link" \
    "$bw" $rb --dir /tmp/dir --symlink dir /tmp/link --nofollow --ro-bind "$root/bin" /tmp/link true
  t "${who}--nofollow: a bind onto a dangling symlink" 1 "Can't mount on symlink destination /tmp/link" \
    "$bw" $rb --symlink dir /tmp/link --nofollow --ro-bind "$root/bin/busybox" /tmp/link true
  t "${who}--nofollow --bind-fd onto a symlink" 1 "Can't mount on symlink destination /tmp/link" \
    sh -c "exec '$bw' $rb --dir /tmp/dir --symlink dir /tmp/link --nofollow --bind-fd 5 /tmp/link true 5<'$root/bin'"
  t "${who}--nofollow --tmpfs onto a symlink" 1 "Can't mount on symlink destination /tmp/link" \
    "$bw" $rb --dir /tmp/dir --symlink dir /tmp/link --nofollow --tmpfs /tmp/link true
  t "${who}--nofollow: a symlink on the path is followed" 0 '' \
    "$bw" $rb --dir /tmp/dir --symlink dir /tmp/link --nofollow --ro-bind "$root/bin" /tmp/link/b test -e /tmp/dir/b/sh
  t "${who}a directory onto a file: not a directory" 1 'destination is not a directory' \
    sh -c "exec '$bw' $rb --file 5 /tmp/f --ro-bind '$root/bin' /tmp/f true 5</dev/null"
  t "${who}a file onto a directory: not a file" 1 'destination is not a file' \
    "$bw" $rb --dir /tmp/d --ro-bind "$root/bin/busybox" /tmp/d true
  t "${who}--not-a-security-boundary is accepted" 0 '^ok$' "$bw" $rb --not-a-security-boundary echo ok
  t "${who}--file 0666, --bind-data and --ro-bind-data 0600, --perms" 0 \
    '^666 600 600 640$' sh -c "exec '$bw' $rb --file 3 /tmp/f --bind-data 4 /tmp/b \
      --ro-bind-data 5 /tmp/r --perms 0640 --file 6 /tmp/p \
      sh -c 'echo \$(stat -c %a /tmp/f /tmp/b /tmp/r /tmp/p)' 3</dev/null 4</dev/null \
      5</dev/null 6</dev/null"
  t "${who}--perms 0700 --dir: private parents" 0 '^700 700$' \
    "$bw" $rb --tmpfs /tmp/t --perms 0700 --dir /tmp/t/a/b sh -c 'echo $(stat -c %a /tmp/t/a /tmp/t/a/b)'
  # bwrap: the missing parents of what --file, --bind-data and --tmpfs make follow the
  # mode (0755, less group/other read and search where the mode gives them nothing)
  t "${who}--perms: parents of --file, --bind-data, --tmpfs" 0 \
    '^750 640 700 700 600 705 705 755 755$' sh -c "exec '$bw' $rb --perms 0640 --file 3 /tmp/f/a/x \
      --bind-data 4 /tmp/b/a/x --perms 0604 --tmpfs /tmp/t/a/x --file 5 /tmp/d/a/x \
      sh -c 'echo \$(stat -c %a /tmp/f/a /tmp/f/a/x /tmp/b /tmp/b/a /tmp/b/a/x /tmp/t \
        /tmp/t/a /tmp/d /tmp/d/a)' 3</dev/null 4</dev/null 5</dev/null"
  # --userns-block-fd: the box's maps come from outside (ubf.sh plays the helper: it reads
  # --info-fd to its end, writes the maps, then the byte), the program runs as they say
  # and gets neither descriptor
  t "${who}--userns-block-fd: maps written from outside" 0 '^5 7 closed$' \
    sh "$tmp/ubf.sh" "$bw" 5 7 "sh -c 'echo \$(id -u) \$(id -g) \$(test -e /proc/self/fd/5 || test -e /proc/self/fd/6 || echo closed)'"
  t "${who}--userns-block-fd with --uid/--gid" 0 '^0 0$' \
    sh "$tmp/ubf.sh" "$bw" 0 0 "--uid 0 --gid 0 sh -c 'echo \$(id -u) \$(id -g)'"
  t "${who}--userns-block-fd with --uid alone: the gid the maps give" 0 '^5 7$' \
    sh "$tmp/ubf.sh" "$bw" 5 7 "--uid 5 sh -c 'echo \$(id -u) \$(id -g)'"
  t "${who}--userns-block-fd with --gid alone: the uid the maps give" 0 '^5 7$' \
    sh "$tmp/ubf.sh" "$bw" 5 7 "--gid 7 sh -c 'echo \$(id -u) \$(id -g)'"
  t "${who}--userns-block-fd: an id the maps lack" 1 '^bwrap: spawn: setgid 3:3 .*Invalid argument$' \
    sh "$tmp/ubf.sh" "$bw" 5 7 "--uid 3 --gid 3 true"
  # SIGTERM while the box waits on --block-fd / --userns-block-fd ends bwrap-libbox by
  # that signal (status 143), and the held box with it
  for opt in --block-fd "--unshare-user --userns-block-fd"; do
    rm -f "$tmp/bfd" "$tmp/binfo"
    mkfifo "$tmp/bfd" "$tmp/binfo"
    exec 8<>"$tmp/bfd"
    $as "$bw" $rb --unshare-pid --info-fd 6 $opt 5 sh -c 'echo ran' 5<"$tmp/bfd" 6>"$tmp/binfo" \
      8>&- >"$out" 2>&1 &
    bp=$!
    child=$(timeout 30 sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$tmp/binfo")
    sleep 0.2
    kill -TERM "$bp"
    (sleep 10; kill -KILL "$bp") 2>/dev/null & # a bwrap-libbox that ignores it fails, not hangs
    wd=$!
    wait "$bp"
    rc=$?
    kill "$wd" 2>/dev/null
    ok "${who}SIGTERM while waiting on ${opt#--unshare-user }: ended by it (143)" [ "$rc" = 143 ]
    for i in $(seq 50); do [ -n "$child" ] && [ ! -e "/proc/$child" ] && break; sleep 0.1; done
    ok "${who}... the held box is gone, the program never ran" \
      sh -c "[ -n '$child' ] && [ ! -e /proc/$child ] && ! grep -q ran '$out'"
    exec 8>&-
  done
  t "${who}--userns-block-fd requires --unshare-user" 1 \
    '^bwrap: --userns-block-fd requires --unshare-user$' "$bw" $rb --userns-block-fd 0 --info-fd 1 true
  t "${who}--userns-block-fd requires --info-fd" 1 \
    '^bwrap: --userns-block-fd requires --info-fd$' "$bw" $rb --unshare-user --userns-block-fd 0 true
  # --userns, --pidns: a second box joins the namespaces of a running one (as bwrap's
  # test-specifying-userns.sh and test-specifying-pidns.sh do it)
  rm -f "$tmp/ns1" "$tmp/info1" "$tmp/done"
  mkfifo "$tmp/done"
  $as "$bw" $rb --bind "$tmp" "$tmp" --unshare-user --unshare-pid --info-fd 3 sh -c \
    "for n in user pid; do readlink /proc/self/ns/\$n; done > $tmp/ns1.new; mv $tmp/ns1.new $tmp/ns1; cat < $tmp/done" \
    3>"$tmp/info1" >/dev/null 2>&1 &
  first=$!
  started "$tmp/ns1"
  ok "${who}the box to join runs and wrote --info-fd" [ $? = 0 ]
  pid1=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$tmp/info1")
  t "${who}--userns and --pidns join a running box's namespaces" 0 '' \
    sh -c "exec '$bw' $rb --userns 7 --pidns 8 sh -c 'for n in user pid; do readlink /proc/self/ns/\$n; done' \
      7</proc/$pid1/ns/user 8</proc/$pid1/ns/pid"
  ok "${who}... the same user and pid namespaces" cmp -s "$out" "$tmp/ns1"
  t "${who}--userns alone" 0 "^$(head -n1 "$tmp/ns1" | sed 's/[][]/\\&/g')\$" \
    sh -c "exec '$bw' $rb --userns 7 readlink /proc/self/ns/user 7</proc/$pid1/ns/user"
  t "${who}--userns not compatible with --unshare-user" 1 \
    '^bwrap: --userns not compatible --unshare-user$' \
    sh -c "exec '$bw' $rb --unshare-user --userns 7 true 7</proc/$pid1/ns/user"
  # With --unshare-pid the box gets a pid namespace of its own inside the joined one: the
  # program is pid 2 there, below bwrap's init (in the joined one, 1 and 2 are taken).
  t "${who}--pidns with --unshare-pid: pid 2 of a new pid namespace" 0 '^2$' \
    sh -c "exec '$bw' $rb --userns 7 --pidns 8 --unshare-pid sh -c 'echo \$\$; readlink /proc/self/ns/pid' \
      7</proc/$pid1/ns/user 8</proc/$pid1/ns/pid"
  ok "${who}... not the joined one" sh -c "! grep -qxF \"\$(sed -n 2p '$out')\" '$tmp/ns1'"
  echo done >"$tmp/done"
  wait "$first"
  # --userns2: a second box is set up in a running box's user namespace (--userns) and its
  # program runs in a user namespace a process of that box made below it (unshare -U
  # mapping 5 and 7 to the box's ids): there it is uid 5 gid 7, or --uid there
  rm -f "$tmp/inner" "$tmp/ipid" "$tmp/info1"
  $as "$bw" $host --bind "$tmp" "$tmp" --unshare-user --info-fd 3 sh -c \
    "unshare -U --map-user=5 --map-group=7 sh -c 'readlink /proc/self/ns/user > $tmp/inner; echo \$\$ > $tmp/ipid.new; mv $tmp/ipid.new $tmp/ipid; cat < $tmp/done'; true" \
    3>"$tmp/info1" >/dev/null 2>&1 &
  first=$!
  started "$tmp/ipid"
  ok "${who}--userns2: the first box runs and wrote --info-fd" [ $? = 0 ]
  pid1=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' "$tmp/info1")
  ipid=$(cat "$tmp/ipid")
  t "${who}--userns2: the program runs in the inner user namespace" 0 \
    "^$(sed 's/[][]/\\&/g' "$tmp/inner")\$" \
    sh -c "exec '$bw' $rb --userns 7 --userns2 8 sh -c 'readlink /proc/self/ns/user; echo \$(id -u) \$(id -g)' \
      7</proc/$pid1/ns/user 8</proc/$ipid/ns/user"
  ok "${who}... as the setup's ids, mapped there (5 7)" grep -qx '5 7' "$out"
  t "${who}--userns2 with --uid: an id of that namespace" 0 '^5 7$' \
    sh -c "exec '$bw' $rb --userns 7 --userns2 8 --uid 5 sh -c 'echo \$(id -u) \$(id -g)' \
      7</proc/$pid1/ns/user 8</proc/$ipid/ns/user"
  t "${who}--userns2 with --uid it lacks" 1 '^bwrap: spawn: setuid' \
    sh -c "exec '$bw' $rb --userns 7 --userns2 8 --uid 0 true 7</proc/$pid1/ns/user 8</proc/$ipid/ns/user"
  t "${who}--userns2: the setup's own namespace is no switch" 1 \
    '^bwrap: spawn: switch to the user namespace .*Invalid argument$' \
    sh -c "exec '$bw' $rb --userns 7 --userns2 7 true 7</proc/$pid1/ns/user"
  t "${who}--userns2: not a user namespace" 1 'fd 8 is a net namespace' \
    sh -c "exec '$bw' $rb --userns 7 --userns2 8 true 7</proc/$pid1/ns/user 8</proc/$pid1/ns/net"
  echo done >"$tmp/done"
  wait "$first"
  t "${who}--exec-label: no SELinux, as bwrap without it" 1 \
    '^bwrap: labeling not supported on this system$' "$bw" $rb --exec-label system_u:x true
  t "${who}--file-label: no SELinux, as bwrap without it" 1 \
    '^bwrap: labeling not supported on this system$' "$bw" $rb --file-label system_u:x true
  t "${who}--size 2^63 is refused" 1 'out of range' \
    "$bw" $rb --size 9223372036854775808 --tmpfs /tmp/t true
  t "${who}--size 2^64 is refused" 1 '' "$bw" $rb --size 18446744073709551616 --tmpfs /tmp/t true
  t "${who}--size 1M" 0 'size=1024k' "$bw" $rb --size 1M --tmpfs /tmp/t grep ' /tmp/t ' /proc/mounts
  echo relative >"$tmp/rel"
  t "${who}a relative source is the caller's cwd's" 0 '^relative$' \
    sh -c "cd '$tmp' && exec '$bw' $rb --ro-bind rel /tmp/rel cat /tmp/rel"
  t "${who}--bind-fd" 0 '^relative$' \
    sh -c "exec '$bw' $rb --bind-fd 3 /tmp/m cat /tmp/m/rel 3<'$tmp'"
  t "${who}--ro-bind-fd is read-only" 0 'Read-only' \
    sh -c "exec '$bw' $rb --ro-bind-fd 3 /tmp/m sh -c 'touch /tmp/m/x; true' 3<'$tmp'"
  t "${who}a second bind on / covers the tmpfs" 0 '^covered$' \
    "$bw" $rb --dir /tmp/only --ro-bind "$root" / \
    sh -c 'test -e /tmp/only || echo covered'
  t "${who}--remount-ro is not recursive" 0 '^ro rw$' \
    "$bw" $rb --tmpfs /tmp/t --tmpfs /tmp/t/sub --remount-ro /tmp/t \
    sh -c 'touch /tmp/t/x 2>/dev/null && echo rw || printf "ro "; touch /tmp/t/sub/x && echo rw'
  # --info-fd and --json-status-fd carry the namespace ids, the ones the box saw (stat -L
  # inside it, into $tmp/ns$1): ns_ids WHAT SUFFIX.
  ns_ids() {
    for ns in ipc mnt net pid uts; do
      id=$(sed -n "s|^/proc/self/ns/$ns ||p" "$tmp/ns$2")
      grep -q "\"$ns-namespace\": $id" "$tmp/info$2"
      ok "${who}--info-fd has $ns-namespace $id ($1)" [ $? = 0 -a -n "$id" ]
      grep -q "\"$ns-namespace\": $id" "$tmp/json$2"
      ok "${who}--json-status-fd has $ns-namespace $id ($1)" [ $? = 0 -a -n "$id" ]
    done
    grep -q '"exit-code": 5' "$tmp/json$2"
    ok "${who}--json-status-fd exit-code ($1)" [ $? = 0 ]
  }
  # The program that exits at once, before boxrun writes the info: its zombie's
  # /proc/PID/ns has only pid left, the ids are the ones box_spawn recorded.
  t "${who}--info-fd and --json-status-fd" 5 '' sh -c "exec '$bw' $rb --unshare-all \
    --info-fd 3 --json-status-fd 4 sh -c 'stat -L -c \"%n %i\" /proc/self/ns/* >/tmp/ns; \
    cat /tmp/ns >&5; exit 5' 3>'$tmp/info' 4>'$tmp/json' 5>'$tmp/ns'"
  ns_ids "the program exited at once" ""
  # The program that waits until the info is written (it reads a fifo we write only then).
  # The fifo is open read-write here (fd 8), so that the box's open of it does not block.
  rm -f "$tmp/go" "$tmp/info2" "$tmp/json2" "$tmp/ns2"
  mkfifo -m 666 "$tmp/go"
  exec 8<>"$tmp/go"
  $as sh -c "exec '$bw' $rb --unshare-all --info-fd 3 --json-status-fd 4 \
    sh -c 'stat -L -c \"%n %i\" /proc/self/ns/* >&5; read x <&7; exit 5' \
    3>'$tmp/info2' 4>'$tmp/json2' 5>'$tmp/ns2' 7<'$tmp/go'" 8>&- </dev/null >"$out" 2>&1 &
  bpid=$!
  tries=0 # an event, waited for generously (a loaded machine, ASan): up to 120 s
  until grep -q '^}' "$tmp/info2" 2>/dev/null || [ $tries -ge 1200 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  grep -q '^}' "$tmp/info2" 2>/dev/null
  ok "${who}--info-fd written while the program waits" [ $? = 0 ]
  grep -q '^}' "$tmp/info2" 2>/dev/null ||
    { echo "# --info-fd not written in 120 s; boxrun's output:"; sed 's/^/#   /' "$out"; }
  echo go >&8
  wait $bpid
  rc=$?
  exec 8>&-
  ok "${who}the waiting program exits 5" [ $rc = 5 ]
  ns_ids "the program waited" 2
  # --add-seccomp-fd stacks, --seccomp is one program
  if [ -n "$deny_uname" ]; then
    t "${who}--add-seccomp-fd twice" 0 '^sys=$' sh -c "exec '$bw' $rb --add-seccomp-fd 3 \
      --add-seccomp-fd 4 sh -c 'echo sys=\$(uname -s)' 3<'$deny_uname' 4<'$deny_uname'"
    t "${who}--seccomp with --add-seccomp-fd" 1 \
      '^bwrap: --seccomp cannot be combined with --add-seccomp-fd$' sh -c "exec '$bw' $rb \
      --add-seccomp-fd 3 --seccomp 4 true 3<'$deny_uname' 4<'$deny_uname'"
  fi
  printf 'x' >"$tmp/odd.bpf"
  t "${who}seccomp data not a multiple of 8" 1 \
    '^bwrap: Invalid seccomp data, must be multiple of 8$' \
    sh -c "exec '$bw' $rb --add-seccomp-fd 3 true 3<'$tmp/odd.bpf'"
  t "${who}seccomp data from a closed fd" 1 "^bwrap: Can't read seccomp data: " \
    "$bw" $rb --add-seccomp-fd 9 true
  # the four escapes: blocked with bwrap's own hardening options
  hard="--unshare-all --die-with-parent --new-session --cap-drop ALL"
  t "${who}escape 1: no start in a host directory through --chdir /proc/self/fd/N" 1 \
    'chdir /proc/self/fd/3: Too many levels of symbolic links' \
    sh -c "exec '$bw' $hard $rb --chdir /proc/self/fd/3 sh -c 'ls; pwd' 3<'$tmp'"
  n "${who}escape 1: the program did not run in the host directory" 'rel|root|cwd'
  # A target below a writable bind, through a symlink its owner planted there: bwrap
  # resolves it from its setup root, where ../../../oldroot is the host's /, and makes the
  # file or directory there (Debian's bwrap 0.8 does); libbox resolves it in the box.
  mkdir -p "$tmp/w" 2>/dev/null
  ln -sfn "../../../oldroot$tmp/escaped-file" "$tmp/w/link" 2>/dev/null
  ln -sfn "../../../oldroot$tmp/escaped-dir" "$tmp/w/dlink" 2>/dev/null
  ln -sfn "$tmp/escaped-abs" "$tmp/w/alink" 2>/dev/null
  t "${who}escape 2: a symlink in a writable bind source (a file)" 1 '' \
    sh -c "exec '$bw' $hard $rb --bind '$tmp/w' /tmp/w --ro-bind-data 3 /tmp/w/link true 3</dev/null"
  ok "${who}escape 2: no file made at the host path" [ ! -e "$tmp/escaped-file" ]
  t "${who}escape 2: (a directory)" 1 '' \
    "$bw" $hard $rb --bind "$tmp/w" /tmp/w --dir /tmp/w/dlink/made true
  ok "${who}escape 2: no directory made at the host path" [ ! -e "$tmp/escaped-dir" ]
  t "${who}escape 2: (an absolute link)" 1 '' \
    "$bw" $hard $rb --bind "$tmp/w" /tmp/w --dir /tmp/w/alink/made true
  ok "${who}escape 2: nothing made at an absolute link's host path" [ ! -e "$tmp/escaped-abs" ]
  # (opened for writing, nothing written: no host sysctl changes even if this failed)
  t "${who}escape 3: /proc/sys read-only" 0 '^ro ro$' "$bw" $hard $rb sh -c \
    'true 2>/dev/null >>/proc/sys/kernel/overflowuid && printf "rw " || printf "ro "; grep -q " /proc/sys ro," /proc/self/mountinfo && echo ro || echo rw'
  if [ -n "$keyctl" ]; then
    t "${who}escape 4: the caller's keyring is out of reach (keyctl)" 0 '^-1 1$' \
      "$bw" $hard $host /usr/bin/python3 -c \
      "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall($keyctl, 0, -3, 0), ctypes.get_errno())"
  fi
  # --lock-file: held while the box runs. The probe asks (F_GETLK) whether a write lock could
  # be taken, without taking one: a lock of its own, however short, can make bwrap-libbox's
  # (non-blocking, as bwrap's) fail when it comes at the same moment.
  lock_free() {
    /usr/bin/python3 -c "import fcntl,struct,sys; f=open(sys.argv[1],'a')
l=struct.unpack('hhqqi4x', fcntl.fcntl(f, fcntl.F_GETLK, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0)))
sys.exit(0 if l[0] == fcntl.F_UNLCK else 1)" "$1" 2>/dev/null
  }
  : >"$tmp/lock"
  chmod 666 "$tmp/lock"
  $as "$bw" $rb --ro-bind "$tmp" "$tmp" --lock-file "$tmp/lock" sleep 60 >"$tmp/lock.out" 2>&1 &
  holder=$!
  locked=no
  # (up to 30 s: under load a python start alone can take a good part of a second)
  for i in $(seq 300); do
    if ! lock_free "$tmp/lock"; then
      locked=yes
      break
    fi
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.1
  done
  [ "$locked" = yes ] || sed 's/^/    /' "$tmp/lock.out"
  ok "${who}--lock-file: locked while the box runs" [ "$locked" = yes ]
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  lock_free "$tmp/lock"
  ok "${who}--lock-file: free once it has ended" [ $? = 0 ]
  # --die-with-parent: when the shell that started it dies, bwrap-libbox and the box go
  for mode in "" "--unshare-pid"; do
    rm -f "$tmp/dwp.pid"
    $as sh -c "'$bw' --die-with-parent $mode $rb --ro-bind '$tmp' '$tmp' sh -c 'echo \$\$ > $tmp/dwp.pid; exec sleep 60' & wait" >/dev/null 2>&1 &
    parent=$!
    for i in $(seq 50); do [ -s "$tmp/dwp.pid" ] && break; sleep 0.1; done
    bwpid=$(pgrep -P "$parent" 2>/dev/null | head -n1)
    kill -9 "$parent"
    wait "$parent" 2>/dev/null
    gone=no
    for i in $(seq 50); do
      if [ -n "$bwpid" ] && ! kill -0 "$bwpid" 2>/dev/null; then gone=yes; break; fi
      sleep 0.1
    done
    ok "${who}--die-with-parent $mode: bwrap-libbox ends with its parent" [ "$gone" = yes ]
    left=$(pgrep -f "^sleep 60$" -P "$bwpid" 2>/dev/null)
    ok "${who}--die-with-parent $mode: and so does the box" [ -z "$left" ]
  done
  # Flatpak-style: options from --args, the app's metadata, a lock, a runtime dir, a
  # seccomp program, --sync-fd and --info-fd, the command at the end.
  printf '[Application]\nname=org.example.App\n' >"$tmp/flatpak-info"
  args="--unshare-ipc --unshare-pid --unshare-net --unshare-uts --die-with-parent
    --ro-bind $root/bin /usr/bin --symlink usr/bin /bin --symlink usr/bin /sbin
    --ro-bind $root/etc /etc --proc /proc --dev /dev --dir /tmp --dir /var/tmp --dir /run/host
    --perms 0700 --dir /run/user/1000 --setenv XDG_RUNTIME_DIR /run/user/1000
    --symlink ../run /var/run --ro-bind-data 3 /.flatpak-info --lock-file /.flatpak-info
    --file 4 /run/host/container-manager --hostname flatpak --unsetenv LD_PRELOAD
    --chdir /run/user/1000 --sync-fd 5 --info-fd 6"
  printf '%s\0' $args >"$tmp/flatpak.args"
  printf 'flatpak' >"$tmp/manager"
  t "${who}a Flatpak-style command line" 0 \
    '^org.example.App /run/user/1000 700 flatpak flatpak /run/user/1000 ../run 2$' \
    sh -c "exec env LD_PRELOAD= '$bw' --args 7 sh -c 'echo \$(sed -n s/^name=//p /.flatpak-info) \
      \$XDG_RUNTIME_DIR \$(stat -c %a /run/user/1000) \$(cat /run/host/container-manager) \
      \$(hostname) \$(pwd) \$(readlink /var/run) \$\$; [ -z \"\${LD_PRELOAD+x}\" ]' \
      3<'$tmp/flatpak-info' 4<'$tmp/manager' 5</dev/null 6>'$tmp/flatpak.info' \
      7<'$tmp/flatpak.args'"
  grep -q '"child-pid": [0-9]' "$tmp/flatpak.info"
  ok "${who}Flatpak-style: --info-fd written" [ $? = 0 ]
}

# A classic BPF program that fails uname (other arches are allowed everything).
case $(uname -m) in
x86_64) arch=3221225534 nr_uname=63 keyctl=250 ;;
aarch64) arch=3221225655 nr_uname=160 keyctl=219 ;;
*) arch="" keyctl="" ;;
esac
deny_uname=""
if [ -n "$arch" ]; then
  le() { v=$2 k=0; while [ "$k" -lt "$1" ]; do printf "\\$(printf %o $((v & 255)))"; v=$((v >> 8)) k=$((k + 1)); done; }
  insn() { le 2 "$1"; le 1 "$2"; le 1 "$3"; le 4 "$4"; }
  { insn 32 0 0 4; insn 21 0 3 "$arch"; insn 32 0 0 0; insn 21 0 1 "$nr_uname"
    insn 6 0 0 $((0x50001)); insn 6 0 0 $((0x7fff0000)); } >"$tmp/deny-uname.bpf"
  deny_uname=$tmp/deny-uname.bpf
fi
[ -x /usr/bin/python3 ] || keyctl=""

who=""
common
# root's own capabilities, and --cap-drop takes away only what it names
if [ "$(id -u)" = 0 ]; then
  mine=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
  t "root keeps its capabilities" 0 "^CapEff:[[:space:]]+$mine\$" \
    "$bw" $rb grep CapEff /proc/self/status
  nokill=$(printf '%016x' $((0x$mine & ~(1 << 5))))
  t "--cap-drop CAP_KILL drops only CAP_KILL" 0 "^CapEff:[[:space:]]+$nokill\$" \
    "$bw" $rb --cap-drop CAP_KILL grep CapEff /proc/self/status
  # bwrap makes what it keeps inheritable once --cap-add/--cap-drop is given, and raises
  # each of them in the ambient set, for uid 0 too
  t "--cap-drop CAP_KILL: the rest is ambient too" 0 "^CapAmb:[[:space:]]+$nokill\$" \
    "$bw" $rb --cap-drop CAP_KILL grep CapAmb /proc/self/status
  t "--cap-drop ALL" 0 '^CapEff:[[:space:]]+0+$' "$bw" $rb --cap-drop ALL grep CapEff /proc/self/status
  # without them bwrap leaves root's inheritable set as the caller's and asks for each kept
  # capability in the ambient set, which the kernel grants for the inheritable ones
  t "root: no inheritable capability, none ambient" 0 '^CapAmb:[[:space:]]+0+$' \
    "$bw" $rb grep CapAmb /proc/self/status
  t "root: the caller's inheritable capabilities stay inheritable" 0 '^CapInh:[[:space:]]+0+2020$' \
    setpriv --inh-caps +kill,+net_raw "$bw" $rb grep CapInh /proc/self/status
  t "root: ... and are ambient" 0 '^CapAmb:[[:space:]]+0+2020$' \
    setpriv --inh-caps +kill,+net_raw "$bw" $rb grep CapAmb /proc/self/status
  t "--dev-bind / / keeps devices: /dev/null works" 0 '^ok$' \
    "$bw" --dev-bind / / sh -c 'echo x > /dev/null && echo ok'
  t "nested: a box in a box (no filter against unshare and mount)" 0 '^hello$' \
    "$bw" --unshare-user --uid 0 --gid 0 --cap-add ALL --bind / / --bind /proc /proc -- \
    "$bw" --unshare-all --bind / / --bind /proc /proc echo hello
  t "--assert-userns-disabled where it is not" 1 \
    'creation of new user namespaces was not disabled as requested' \
    "$bw" --assert-userns-disabled --dev-bind / / true
  t "--disable-userns" 0 '' "$bw" --unshare-user --disable-userns --dev-bind / / true
  t "--disable-userns requires --unshare-user" 1 '^bwrap: --disable-userns requires --unshare-user$' \
    "$bw" --disable-userns --dev-bind / / true
fi

# As nobody, when this host lets nobody make user namespaces.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$bw" $rb true 2>/dev/null; then
  as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  who="nobody: "
  chmod 777 "$tmp/cwd" "$tmp/w"
  chmod 1777 "$tmp" # what the cases write from outside the box, as nobody
  rm -f "$tmp/info" "$tmp/json" "$tmp/ns" "$tmp/flatpak.info"
  common
  t "nobody: no capabilities" 0 '^CapEff:[[:space:]]+0+$' "$bw" $rb grep CapEff /proc/self/status
  t "nobody: --cap-add in its user namespace" 0 '^CapEff:[[:space:]]+0+20$' \
    "$bw" $rb --unshare-user --cap-add CAP_KILL grep CapEff /proc/self/status
  t "nobody: --cap-add: ambient too" 0 '^CapAmb:[[:space:]]+0+20$' \
    "$bw" $rb --unshare-user --cap-add CAP_KILL grep CapAmb /proc/self/status
  t "nobody: the caller's uid" 0 '^65534$' "$bw" $rb id -u
  t "nobody: nested" 0 '^hello$' "$bw" --unshare-user --uid 0 --gid 0 --cap-add ALL \
    --bind / / --bind /proc /proc -- "$bw" --unshare-all --bind / / --bind /proc /proc echo hello
  t "nobody: --disable-userns: no user namespace in the box" 0 '^refused$' \
    "$bw" --unshare-user --disable-userns --dev-bind / / -- sh -c \
    "'$bw' --dev-bind / / true 2>/dev/null && echo made || echo refused"
  t "nobody: --disable-userns cannot be lifted from inside" 0 '^refused$' \
    "$bw" --unshare-user --disable-userns --dev-bind / / -- sh -c \
    "echo 100 > /proc/sys/user/max_user_namespaces 2>/dev/null; '$bw' --dev-bind / / true 2>/dev/null && echo made || echo refused"
  t "nobody: --assert-userns-disabled inside a --disable-userns box" 0 '' \
    "$bw" --unshare-user --disable-userns --dev-bind / / -- sh -c \
    "'$bw' --unshare-user --dev-bind / / --assert-userns-disabled true; test \$? = 1"
  as=""
else
  echo "skip - nobody cases (not root, or nobody cannot make user namespaces here)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
