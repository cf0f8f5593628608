#!/bin/sh
# boxrun end to end: real bwrap-style command lines run through boxrun, checked from inside
# the box. Usage: test_boxrun.sh BOXRUN MKROOTFS
set -u
boxrun=$1
mkrootfs=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # the nobody cases read the rootfs through it
root=$tmp/root
sh "$mkrootfs" "$root" || { echo "mkrootfs failed"; exit 1; }
out=$tmp/out
pass=0
fail=0
as=""

# t NAME WANT_RC PATTERN COMMAND...: run COMMAND (stdout+stderr to $out), want its exit
# status and a line matching PATTERN (extended regex, "" for any output).
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

# f NAME FILE PATTERN: FILE (written by the last command) has a line matching PATTERN.
f() {
  if grep -Eq -- "$3" "$2"; then
    pass=$((pass + 1))
    echo "ok - $1"
  else
    fail=$((fail + 1))
    echo "FAIL - $1: no '$3' in $2:"
    sed 's/^/    /' "$2"
  fi
}

bw="--ro-bind $root / --proc /proc --dev /dev"

# bwrap command lines
t "pid 1 with --unshare-all" 0 '^pid=1$' \
  "$boxrun" $bw --unshare-all --as-pid-1 --die-with-parent --new-session sh -c 'echo pid=$$'
t "hostname" 0 '^name=testhost$' \
  "$boxrun" $bw --unshare-uts --hostname testhost sh -c 'echo name=$(hostname)'
t "--hostname without --unshare-uts is refused" 125 'requires --unshare-uts' \
  "$boxrun" $bw --unshare-pid --hostname x true
t "ro-bind is read-only" 0 'Read-only file system' \
  "$boxrun" $bw --unshare-all sh -c 'touch /etc/x; true'
t "bind is writable" 0 '^wrote$' \
  "$boxrun" $bw --unshare-all --bind "$tmp" /mnt sh -c 'echo hi > /mnt/w && echo wrote'
f "bind writes reach the host" "$tmp/w" '^hi$'
t "tmpfs with --size and --perms" 0 '^1777 .*size=1024k' \
  "$boxrun" $bw --unshare-all --size 1048576 --perms 1777 --tmpfs /tmp \
  sh -c 'echo "$(stat -c %a /tmp) $(grep " /tmp " /proc/mounts)"'
t "tmpfs --size is enforced" 0 'No space left' \
  "$boxrun" $bw --unshare-all --size 1M --tmpfs /tmp \
  sh -c 'dd if=/dev/zero of=/tmp/f bs=1k count=2048; true'
t "--size not followed by --tmpfs" 125 'must be followed by --tmpfs' \
  "$boxrun" $bw --size 1M --dir /x true
t "--setenv, no host environment" 0 '^foo=bar home=$' \
  env HOME=/root "$boxrun" $bw --unshare-all --setenv FOO bar sh -c 'echo foo=$FOO home=$HOME'
t "--unsetenv and --clearenv" 0 '^a= b=2$' \
  "$boxrun" $bw --setenv A 1 --setenv B 2 --unsetenv A sh -c 'echo a=$A b=$B'
t "--clearenv forgets earlier --setenv" 0 '^a= b=2$' \
  "$boxrun" $bw --setenv A 1 --clearenv --setenv B 2 sh -c 'echo a=$A b=$B'
t "--chdir" 0 '^/etc$' "$boxrun" $bw --unshare-all --chdir /etc pwd
t "exit code passthrough" 42 '' "$boxrun" $bw --unshare-all sh -c 'exit 42'
t "128+signal (bwrap line without a pid namespace)" 143 '' "$boxrun" $bw --unshare-net sh -c 'kill -TERM $$'
t "--dir and --symlink" 0 '^-> /t/d$' \
  "$boxrun" $bw --unshare-all --tmpfs /t --dir /t/d --symlink /t/d /t/l \
  sh -c 'test -d /t/d && echo "-> $(readlink /t/l)"'
t "--bind-try with a missing source" 0 '^fine$' \
  "$boxrun" $bw --bind-try /nonexistent-boxrun /mnt/x echo fine
t "--uid/--gid in a user namespace" 0 '^1234:2345$' \
  "$boxrun" $bw --unshare-user --uid 1234 --gid 2345 sh -c 'echo $(id -u):$(id -g)'
t "--remount-ro" 0 'Read-only file system' \
  "$boxrun" $bw --unshare-all --tmpfs /t --remount-ro /t sh -c 'touch /t/x; true'
t "--remount-ro / keeps the mounts on it writable" 0 '^ro tmp-ok$' \
  "$boxrun" $bw --tmpfs /tmp --remount-ro / sh -c 'touch /x 2>/dev/null || printf "ro "; touch /tmp/y && echo tmp-ok'
t "--tmpfs / then binds" 0 '^hi$' "$boxrun" --tmpfs / --ro-bind "$root/bin" /bin /bin/sh -c 'echo hi'
t "--bind DIR / after another mount is refused" 125 'must come before' \
  "$boxrun" --tmpfs /tmp --ro-bind "$root" / true
printf 'hello file\n' >"$tmp/data"
t "--file FD DEST" 0 '^hello file$' "$boxrun" $bw --file 3 /etc/hello cat /etc/hello 3<"$tmp/data"
t "--ro-bind-data FD DEST" 0 'Read-only' \
  "$boxrun" $bw --ro-bind-data 3 /etc/hello sh -c 'echo x >> /etc/hello; true' 3<"$tmp/data"
printf -- '--setenv\0FROMARGS\0yes\0--chdir\0/bin\0' >"$tmp/args"
t "--args FD" 0 '^yes /bin$' \
  "$boxrun" $bw --args 3 sh -c 'echo $FROMARGS $(pwd)' 3<"$tmp/args"
t "--info-fd" 0 '' "$boxrun" $bw --info-fd 3 true 3>"$tmp/info"
f "--info-fd content" "$tmp/info" '"child-pid": [0-9]+'
t "--json-status-fd" 7 '' "$boxrun" $bw --json-status-fd 3 sh -c 'exit 7' 3>"$tmp/jsfd"
f "--json-status-fd child-pid" "$tmp/jsfd" '"child-pid": [0-9]+'
f "--json-status-fd exit-code" "$tmp/jsfd" '"exit-code": 7'

# libbox's defaults and options
t "default namespaces: pid 1, root in box" 0 '^1 0 box$' \
  "$boxrun" --root "$root" --proc /proc sh -c 'echo $$ $(id -u) $(hostname)'
t "--uid/--gid with libbox's namespaces" 0 '^1000:1001$' \
  "$boxrun" --root "$root" --uid 1000 --gid 1001 sh -c 'echo $(id -u):$(id -g)'
t "--root-ro" 0 'Read-only file system' \
  "$boxrun" --root "$root" --root-ro sh -c 'touch /x; true'
t "--json-status" 3 '' "$boxrun" --root "$root" --json-status "$tmp/st.json" sh -c 'exit 3'
f "--json-status exit_code" "$tmp/st.json" '"exit_code": 3,'
f "--json-status reason" "$tmp/st.json" '"reason": "exited"'
for k in signal wall_s cpu_user_s cpu_system_s max_rss_bytes memory_peak_bytes oom_kills; do
  f "--json-status has $k" "$tmp/st.json" "\"$k\": [0-9]"
done
t "--wall-time kills with SIGKILL" 137 '' \
  "$boxrun" --root "$root" --wall-time 0.3 --json-status "$tmp/wall.json" sleep 10
f "--wall-time reason" "$tmp/wall.json" '"reason": "wall-time"'
f "--wall-time exit_code null" "$tmp/wall.json" '"exit_code": null'
# cgroup limits, where this host and caller can enforce them
if "$boxrun" --root "$root" --mem 64M --time 10 true >/dev/null 2>&1; then
  t "--mem: OOM kill" 137 '' "$boxrun" --root "$root" --dev /dev --mem 16M \
    --json-status "$tmp/oom.json" sh -c 'x=$(dd if=/dev/zero bs=1M count=64 2>/dev/null | tr "\0" x)'
  f "--mem reason oom" "$tmp/oom.json" '"reason": "oom"'
  f "--mem oom_kills" "$tmp/oom.json" '"oom_kills": [1-9]'
  t "--time: cpu-time kill" 137 '' "$boxrun" --root "$root" --time 0.2 \
    --json-status "$tmp/cpu.json" sh -c 'while :; do :; done'
  f "--time reason cpu-time" "$tmp/cpu.json" '"reason": "cpu-time"'
else
  echo "skip - cgroup limits (this host or caller cannot enforce --mem/--time)"
fi
t "--rlimit nofile" 0 '^17$' "$boxrun" --root "$root" --rlimit nofile=17 sh -c 'ulimit -n'
t "--cap-add" 0 '^CapEff:.*[1-9a-f]' \
  "$boxrun" --root "$root" --proc /proc --cap-add CAP_NET_RAW grep CapEff /proc/self/status
t "no capabilities by default" 0 '^CapEff:[[:space:]]+0+$' \
  "$boxrun" --root "$root" --proc /proc grep CapEff /proc/self/status
t "--seccomp-rule kill: SIGSYS" 159 '' "$boxrun" --root "$root" --seccomp-rule mkdir=kill mkdir /x
t "--seccomp-rule errno:N" 0 'Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule mkdir=errno:38 sh -c 'mkdir /t/x; true'
t "--seccomp-rule unknown call" 125 "unknown system call 'bogus'" \
  "$boxrun" --root "$root" --seccomp-rule bogus=allow true
t "--fd" 0 '^hello file$' "$boxrun" --root "$root" --fd 5 sh -c 'cat <&5' 5<"$tmp/data"
t "--probe" 0 '"userns": (true|false)' "$boxrun" --probe
t "--help" 0 '--unshare-all' "$boxrun" --help
t "--version" 0 '^boxrun' "$boxrun" --version

# boxrun's own errors: exit 125, one clear line
t "missing program" 125 '^boxrun: exec' "$boxrun" --root "$root" no-such-program
t "unsupported option" 125 '^boxrun: --seccomp is not supported yet' \
  "$boxrun" --root "$root" --seccomp 0 true
t "unsupported --argv0" 125 'not supported yet' "$boxrun" --argv0 x --root "$root" true
t "unknown option" 125 '^boxrun: unknown option --frobnicate' "$boxrun" --frobnicate true
t "bad number" 125 '^boxrun: --processes: bad number' "$boxrun" --processes 12x true
t "bad size" 125 '^boxrun: --mem: bad size' "$boxrun" --mem 5Q true
t "bad seconds" 125 '^boxrun: --wall-time: bad number' "$boxrun" --wall-time 1s true
t "bad rlimit" 125 'unknown limit' "$boxrun" --rlimit bogus=1 true
t "missing argument" 125 '^boxrun: --bind: needs 2 arguments' "$boxrun" --bind /a
t "bad fd" 125 '^boxrun: --info-fd 77: Bad file descriptor' "$boxrun" --info-fd 77 true
t "bad map" 125 'bad map' "$boxrun" --map-uid 1:2 true
t "no program" 125 'no program given' "$boxrun" --root "$root"
t "nonexistent root" 125 '^boxrun: ' "$boxrun" --root /nonexistent-boxrun true

# As nobody, when this host lets nobody make user namespaces.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$boxrun" --probe 2>/dev/null |
  grep -q '"userns": true' &&
  setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$root/bin/busybox"; then
  as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  t "nobody: pid 1, uid 0 in the box" 0 '^1 0$' \
    "$boxrun" --root "$root" --proc /proc sh -c 'echo $$ $(id -u)'
  t "nobody: bwrap line keeps the caller's uid" 0 '^1 65534$' \
    "$boxrun" $bw --unshare-all sh -c 'echo $$ $(id -u)'
  t "nobody: --uid maps to the caller" 0 '^1000 0$' \
    "$boxrun" --root "$root" --uid 1000 sh -c 'echo $(id -u) $(id -g)'
  t "nobody: ro-bind read-only" 0 'Read-only file system' \
    "$boxrun" $bw --unshare-all sh -c 'touch /etc/x; true'
  t "nobody: missing program" 125 '^boxrun: exec' "$boxrun" $bw no-such-program
  as=""
else
  echo "skip - nobody cases (not root, or nobody cannot use user namespaces or read $root)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
