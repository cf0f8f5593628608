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

# g NAME FILE: FILE does not exist.
g() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    fail=$((fail + 1))
    echo "FAIL - $1: $2 exists"
  else
    pass=$((pass + 1))
    echo "ok - $1"
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
# (busybox sh makes up a PATH of its own when it gets none: env shows what it got)
t "--unsetenv and --clearenv" 0 '^C=3$' \
  "$boxrun" $bw --setenv A 1 --setenv B 2 --unsetenv A --clearenv --setenv C 3 /bin/env
n "--unsetenv and --clearenv: only C is left" '^(A|B|PATH)='
t "--unsetenv" 0 '^a= b=2$' \
  "$boxrun" $bw --setenv A 1 --setenv B 2 --unsetenv A sh -c 'echo a=$A b=$B'
t "--clearenv forgets earlier --setenv" 0 '^a= b=2$' \
  "$boxrun" $bw --setenv A 1 --clearenv --setenv B 2 /bin/sh -c 'echo a=$A b=$B'
t "--clearenv clears PATH too" 0 '' "$boxrun" $bw --clearenv /bin/env
n "--clearenv clears PATH too: empty environment" '.'
t "--clearenv clears a --setenv PATH" 0 '' "$boxrun" $bw --setenv PATH /bin --clearenv /bin/env
n "--clearenv clears a --setenv PATH: empty environment" '.'
t "after --clearenv a bare program name is not found" 125 '^boxrun: exec' \
  "$boxrun" $bw --clearenv sh -c true
t "--clearenv then --setenv PATH" 0 '^path=/bin$' \
  "$boxrun" $bw --clearenv --setenv PATH /bin sh -c 'echo path=$PATH'
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
printf -- '--args\0004\0--setenv\0X\0x\0' >"$tmp/args-outer"
t "--args within --args" 0 '^yes x$' \
  "$boxrun" $bw --args 3 sh -c 'echo $FROMARGS $X' 3<"$tmp/args-outer" 4<"$tmp/args"
# The limit is on --args given in all (16), nested or not; 16 distinct fds need bash.
if command -v bash >/dev/null; then
  : >"$tmp/empty"
  many() { # many N: a bash line running boxrun with N --args, each on its own fd
    line="exec '$boxrun' --ro-bind '$root' /" redir=""
    k=10
    while [ "$k" -lt $((10 + $1)) ]; do
      line="$line --args $k" redir="$redir $k<'$tmp/empty'"
      k=$((k + 1))
    done
    echo "$line /bin/true $redir"
  }
  t "--args 16 times" 0 '' bash -c "$(many 16)"
  t "--args 17 times is refused" 125 '^boxrun: --args: given more than 16 times' \
    bash -c "$(many 17)"
else
  echo "skip - --args count limit (no bash)"
fi
t "--info-fd" 0 '' "$boxrun" $bw --info-fd 3 true 3>"$tmp/info"
f "--info-fd content" "$tmp/info" '"child-pid": [0-9]+'
t "--json-status-fd" 7 '' "$boxrun" $bw --json-status-fd 3 sh -c 'exit 7' 3>"$tmp/jsfd"
f "--json-status-fd child-pid" "$tmp/jsfd" '"child-pid": [0-9]+'
f "--json-status-fd exit-code" "$tmp/jsfd" '"exit-code": 7'

t "--argv0" 0 '^via argv0$' "$boxrun" $bw --argv0 echo busybox via argv0
t "--chmod" 0 '^700 1777$' "$boxrun" $bw --tmpfs /t --dir /t/d --chmod 700 /t/d \
  --chmod 1777 /t sh -c 'echo $(stat -c %a /t/d /t)'
t "--chmod of a missing path" 125 '^boxrun: spawn: chmod 0700 /t/nope: No such file' \
  "$boxrun" $bw --tmpfs /t --chmod 700 /t/nope true
t "--perms --dir" 0 '^711 755$' "$boxrun" $bw --tmpfs /t --perms 711 --dir /t/e \
  --perms 700 --dir /etc sh -c 'echo $(stat -c %a /t/e /etc)'
# --block-fd: the box is built and --info-fd written, but the program waits for a byte.
mkfifo "$tmp/block"
exec 5<>"$tmp/block"
"$boxrun" --root "$root" --bind "$tmp" /mnt --info-fd 3 --block-fd 4 \
  sh -c 'echo ran > /mnt/blocked-ran' 3>"$tmp/block-info" 4<"$tmp/block" >/dev/null 2>&1 &
blocked=$!
for i in $(seq 50); do grep -q child-pid "$tmp/block-info" 2>/dev/null && break; sleep 0.1; done
f "--block-fd: --info-fd written first" "$tmp/block-info" '"child-pid": [0-9]+'
g "--block-fd: the program waits" "$tmp/blocked-ran"
printf x >&5
wait "$blocked"
exec 5>&-
f "--block-fd: a byte runs it" "$tmp/blocked-ran" '^ran$'
# --sync-fd: its reader sees end of file only once the box has ended; the box lacks it.
t "--sync-fd" 0 '^eof-after-end no-fd-3$' sh -c "
  \"$boxrun\" --root \"$root\" --proc /proc --bind \"$tmp\" /mnt --sync-fd 3 sh -c \
    'sleep 0.2; [ -e /proc/self/fd/3 ] || echo no-fd-3 > /mnt/sync-done' 3>&1 >/dev/null |
  { cat; echo \"\$([ -e \"$tmp/sync-done\" ] && echo eof-after-end) \$(cat \"$tmp/sync-done\")\"; }"

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
for k in signal wall_s cpu_user_s cpu_system_s max_rss_bytes memory_peak_bytes oom_kills \
  pids_limit_hits; do
  f "--json-status has $k" "$tmp/st.json" "\"$k\": [0-9]"
done
t "--json-status when boxrun fails" 125 '^boxrun: ' \
  "$boxrun" --root /nonexistent-boxrun --json-status "$tmp/fail.json" true
g "--json-status: no file left when boxrun fails" "$tmp/fail.json"
t "--json-status when the program is not found" 125 '^boxrun: exec' \
  "$boxrun" --root "$root" --json-status "$tmp/fail.json" no-such-program
g "--json-status: no file left when exec fails" "$tmp/fail.json"
echo old >"$tmp/old.json"
t "--json-status on an existing file when boxrun fails" 125 '^boxrun: ' \
  "$boxrun" --root /nonexistent-boxrun --json-status "$tmp/old.json" true
f "--json-status: an existing file is left as it was" "$tmp/old.json" '^old$'
t "--json-status overwrites an existing file" 0 '' \
  "$boxrun" --root "$root" --json-status "$tmp/old.json" true
f "--json-status: overwritten" "$tmp/old.json" '"exit_code": 0,'
cp "$tmp/old.json" "$out"
n "--json-status: nothing left of the old content" '^old$'
t "--json-status FILE that cannot be written fails before the program runs" 125 \
  '^boxrun: --json-status .*/no-such-dir/st.json: No such file' \
  "$boxrun" --root "$root" --bind "$tmp" /mnt --json-status "$tmp/no-such-dir/st.json" \
  sh -c 'echo ran > /mnt/ran'
g "--json-status: the program did not run" "$tmp/ran"
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
  t "--processes: a fork bomb stops" 1 '' "$boxrun" --root "$root" --processes 8 \
    --json-status "$tmp/pids.json" sh -c 'sh -c "while :; do sleep 5 & done" 2>/dev/null; exit 1'
  f "--processes: pids_limit_hits" "$tmp/pids.json" '"pids_limit_hits": [1-9]'
  t "--time: cpu-time kill" 137 '' "$boxrun" --root "$root" --time 0.2 \
    --json-status "$tmp/cpu.json" sh -c 'while :; do :; done'
  f "--time reason cpu-time" "$tmp/cpu.json" '"reason": "cpu-time"'
  # A box with a v2 cgroup is cloned right into it (clone3 CLONE_INTO_CGROUP), where the
  # kernel has that; strace shows the call.
  if "$boxrun" --probe | grep -q '"clone_into_cgroup": true' && command -v strace >/dev/null &&
    strace -f -o /dev/null true 2>/dev/null; then
    # (LeakSanitizer cannot run under ptrace: off for this one run of a sanitized build)
    t "clone3 into the box cgroup" 0 '' env ASAN_OPTIONS=detect_leaks=0 \
      strace -f -e trace=clone,clone3 -o "$tmp/strace" \
      "$boxrun" --root "$root" --processes 8 true
    f "clone3 into the box cgroup: CLONE_INTO_CGROUP" "$tmp/strace" 'clone3\(.*CLONE_INTO_CGROUP'
  else
    echo "skip - clone3 CLONE_INTO_CGROUP (not on this kernel/host, or no strace)"
  fi
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
# --seccomp FD / --add-seccomp-fd FD: a classic BPF program, as bwrap takes, that fails
# uname with EPERM (the arch is checked; other arches are allowed everything).
case $(uname -m) in
x86_64) arch=3221225534 nr_uname=63 ;;  # AUDIT_ARCH_X86_64 0xc000003e
aarch64) arch=3221225655 nr_uname=160 ;; # AUDIT_ARCH_AARCH64 0xc00000b7
*) arch="" ;;
esac
if [ -n "$arch" ]; then
  le() { # le BYTES VALUE: VALUE as BYTES little-endian bytes
    v=$2 k=0
    while [ "$k" -lt "$1" ]; do
      printf "\\$(printf %o $((v & 255)))"
      v=$((v >> 8)) k=$((k + 1))
    done
  }
  insn() { le 2 "$1"; le 1 "$2"; le 1 "$3"; le 4 "$4"; } # struct sock_filter
  {
    insn 32 0 0 4              # ld [4]: arch
    insn 21 0 3 "$arch"        # jeq arch, else allow
    insn 32 0 0 0              # ld [0]: nr
    insn 21 0 1 "$nr_uname"    # jeq uname, else allow
    insn 6 0 0 $((0x50001))    # ret SECCOMP_RET_ERRNO | EPERM
    insn 6 0 0 $((0x7fff0000)) # ret SECCOMP_RET_ALLOW
  } >"$tmp/deny-uname.bpf"
  # (busybox uname ignores the call's failure and prints an empty name)
  t "uname without a BPF program" 0 '^sys=Linux$' "$boxrun" --root "$root" sh -c 'echo sys=$(uname -s)'
  t "--seccomp FD denies uname" 0 '^sys=$' \
    "$boxrun" --root "$root" --seccomp 3 sh -c 'echo sys=$(uname -s)' 3<"$tmp/deny-uname.bpf"
  t "--add-seccomp-fd FD denies uname" 0 '^sys=$' \
    "$boxrun" $bw --unshare-all --add-seccomp-fd 3 sh -c 'echo sys=$(uname -s)' 3<"$tmp/deny-uname.bpf"
  t "--seccomp with --add-seccomp-fd is refused" 125 '^boxrun: --add-seccomp-fd after --seccomp' \
    "$boxrun" --root "$root" --seccomp 3 --add-seccomp-fd 4 true 3<"$tmp/deny-uname.bpf" 4<"$tmp/deny-uname.bpf"
else
  echo "skip - --seccomp FD (no test program for $(uname -m))"
fi
printf 'abc' >"$tmp/bad.bpf"
t "--seccomp FD: not a BPF program" 125 '^boxrun: --seccomp 3: ' \
  "$boxrun" --root "$root" --seccomp 3 true 3<"$tmp/bad.bpf"
t "--seccomp FD: bad fd" 125 '^boxrun: --seccomp 77: Bad file descriptor' "$boxrun" --seccomp 77 true
t "--fd" 0 '^hello file$' "$boxrun" --root "$root" --fd 5 sh -c 'cat <&5' 5<"$tmp/data"
t "--probe" 0 '"userns": (true|false)' "$boxrun" --probe
t "--help" 0 '--unshare-all' "$boxrun" --help
f "--help: PATH after --clearenv" "$out" "is not found unless PATH is set again with --setenv"
t "--verbose --tmpfs without --size" 0 "tmpfs on /t, mode 0755, size: the kernel's default" \
  "$boxrun" --verbose --root "$root" --tmpfs /t true
n "--verbose --tmpfs: no size 0" 'default 0'
t "--verbose --tmpfs with --size" 0 'tmpfs on /t, mode 0755, size 1048576 bytes' \
  "$boxrun" --verbose --root "$root" --size 1M --tmpfs /t true
t "--unshare-user-try" 0 '^ok$' "$boxrun" --verbose $bw --unshare-user-try echo ok
n "--unshare-user-try: never an empty reason" 'no user namespace( here)?: *$'
t "--version" 0 '^boxrun' "$boxrun" --version

# boxrun's own errors: exit 125, one clear line
t "missing program" 125 '^boxrun: exec' "$boxrun" --root "$root" no-such-program
t "unsupported option" 125 '^boxrun: --userns is not supported yet' \
  "$boxrun" --root "$root" --userns 0 true
t "unsupported --userns-block-fd" 125 'maps itself' "$boxrun" --userns-block-fd 0 true
t "--chmod: bad mode" 125 "^boxrun: --chmod: bad mode '9'" "$boxrun" --chmod 9 /x true
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
