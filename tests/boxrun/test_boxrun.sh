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
# --init execs box-init: the build tree's, next to boxrun's, unless LIBBOX_INIT names one
# (without either, the installed one).
if [ -z "${LIBBOX_INIT:-}" ] && [ -x "$(dirname "$boxrun")/../lib/box-init" ]; then
  LIBBOX_INIT=$(dirname "$boxrun")/../lib/box-init
  export LIBBOX_INIT
fi
# A box that sees its own cgroups: it shares the host's cgroup namespace (bwrap rules) and
# /sys/fs/cgroup. cgcat FILE... run in it prints "FILE: CONTENT" for each FILE found in
# one of the box's cgroups (/proc/self/cgroup), v1 or v2.
cgbox="--ro-bind $root / --proc /proc --unshare-pid --ro-bind /sys/fs/cgroup /sys/fs/cgroup"
cgcat='for f; do
  while IFS=: read -r _ ctl path; do
    for d in "/sys/fs/cgroup/${ctl#name=}" /sys/fs/cgroup/unified /sys/fs/cgroup; do
      [ -f "$d$path/$f" ] && echo "$f: $(cat "$d$path/$f")" && break 2
    done
  done </proc/self/cgroup
done'

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
t "--bind DIR / after another mount covers it (bwrap's second bind on /)" 0 '^covered$' \
  "$boxrun" --ro-bind "$root" / --tmpfs /tmp --dir /tmp/on-tmpfs --ro-bind "$root" / \
  sh -c 'test -e /tmp/on-tmpfs || echo covered'
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

# --die-with-parent: boxrun gets SIGKILL when its parent dies, and the box goes with it.
rm -f "$tmp/dwp.pid"
sh -c "'$boxrun' --die-with-parent --root '$root' --bind '$tmp' /mnt sh -c 'echo \$\$ > /mnt/dwp.pid; exec sleep 60' & wait" >/dev/null 2>&1 &
dwp_parent=$!
for i in $(seq 50); do [ -s "$tmp/dwp.pid" ] && break; sleep 0.1; done
dwp_boxrun=$(pgrep -P "$dwp_parent" | head -n1)
kill -9 "$dwp_parent"
wait "$dwp_parent" 2>/dev/null
gone=no
for i in $(seq 50); do
  if [ -n "$dwp_boxrun" ] && ! kill -0 "$dwp_boxrun" 2>/dev/null; then gone=yes; break; fi
  sleep 0.1
done
if [ "$gone" = yes ]; then pass=$((pass + 1)); echo "ok - --die-with-parent: boxrun ends with its parent"
else fail=$((fail + 1)); echo "FAIL - --die-with-parent: boxrun ($dwp_boxrun) outlived its parent"; fi
if [ -n "$dwp_boxrun" ] && [ -z "$(pgrep -P "$dwp_boxrun" 2>/dev/null)" ]; then
  pass=$((pass + 1)); echo "ok - --die-with-parent: and so does the box"
else
  fail=$((fail + 1)); echo "FAIL - --die-with-parent: the box outlived boxrun"
fi

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
  # Each limit lands in the box's own cgroup file, which --verbose names.
  t "--mem-high and --cpu-weight" 0 \
    '^boxrun: --mem-high enforced by /.*/memory\.(high|soft_limit_in_bytes)$' \
    "$boxrun" --verbose $cgbox --mem-high 32M --cpu-weight 200 sh -c "$cgcat" cgcat \
    memory.high memory.soft_limit_in_bytes cpu.weight cpu.shares
  f "--mem-high lands" "$out" '^memory\.(high|soft_limit_in_bytes): 33554432$'
  f "--cpu-weight: --verbose names the file" "$out" \
    '^boxrun: --cpu-weight enforced by /.*/cpu\.(weight|shares)$'
  f "--cpu-weight lands (v1: cpu.shares, 1024 per 100)" "$out" \
    '^(cpu\.weight: 200|cpu\.shares: 2048)$'
  # Swap accounting and io weights are kernel and scheduler options: without their file
  # boxrun must fail naming it.
  if "$boxrun" $cgbox --mem 64M --swap 0 true >/dev/null 2>&1; then
    t "--swap 0" 0 '^boxrun: --swap enforced by /.*/memory\.(swap\.max|memsw\.limit_in_bytes)$' \
      "$boxrun" --verbose $cgbox --mem 64M --swap 0 sh -c "$cgcat" cgcat memory.swap.max \
      memory.memsw.limit_in_bytes
    f "--swap 0 lands (v1: memory and swap together)" "$out" \
      '^(memory\.swap\.max: 0|memory\.memsw\.limit_in_bytes: 67108864)$'
  else
    t "--swap without swap accounting fails naming the file" 125 \
      'memory\.(swap\.max|memsw\.limit_in_bytes)' "$boxrun" $cgbox --mem 64M --swap 0 true
  fi
  if "$boxrun" --probe | grep -q '"cgroup_controllers": ".*hugetlb'; then
    t "--hugetlb" 0 '^boxrun: --hugetlb enforced by /.*/hugetlb\.[0-9]+[KMG]B\.(max|limit_in_bytes)$' \
      "$boxrun" --verbose $cgbox --hugetlb 4M true
  fi
  if "$boxrun" $cgbox --io-weight 300 true >/dev/null 2>&1; then
    t "--io-weight" 0 '^boxrun: --io-weight enforced by /.*/(blkio|io)\.weight$' \
      "$boxrun" --verbose $cgbox --io-weight 300 sh -c "$cgcat" cgcat io.weight blkio.weight
    f "--io-weight lands (v1: scaled to 10..1000)" "$out" \
      '^(io\.weight: default 300|blkio\.weight: 39)$'
  else
    t "--io-weight without an io scheduler with weights fails naming the file" 125 \
      '^boxrun: spawn: cgroup: write .*/(blkio|io)\.weight: ' "$boxrun" $cgbox --io-weight 300 true
  fi
  # The last of boxrun's own CPUs and memory nodes (with more than one CPU, fewer than
  # the box would get without --cpuset-cpus).
  cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  mems=$(sed -n 's/^Mems_allowed_list:[[:space:]]*//p' /proc/self/status)
  t "--cpuset-cpus" 0 "^Cpus_allowed_list:[[:space:]]+${cpus##*[,-]}\$" \
    "$boxrun" --root "$root" --proc /proc --cpuset-cpus "${cpus##*[,-]}" \
    --cpuset-mems "${mems##*[,-]}" grep _allowed_list: /proc/self/status
  f "--cpuset-mems with --cpuset-cpus" "$out" "^Mems_allowed_list:[[:space:]]+${mems##*[,-]}\$"
  # io throttling of the disk behind / (the kernel throttles disks, not partitions).
  disk=""
  if mm=$(stat -c '%Hd:%Ld' / 2>/dev/null) && [ -d "/sys/dev/block/$mm" ]; then
    sys=$(readlink -f "/sys/dev/block/$mm")
    [ -e "$sys/partition" ] && sys=${sys%/*}
    mm=$(cat "$sys/dev")
    name=$(sed -n 's/^DEVNAME=//p' "$sys/uevent")
    [ -n "$name" ] && [ -b "/dev/$name" ] && disk=/dev/$name
  fi
  if [ -n "$disk" ]; then
    t "--io-read-bps, --io-write-bps, --io-read-iops, --io-write-iops on $disk" 0 '' \
      "$boxrun" $cgbox --io-read-bps "$disk=1M" --io-write-bps "$disk=2M" \
      --io-read-iops "$disk=300" --io-write-iops "$disk=400" sh -c "$cgcat" cgcat io.max \
      blkio.throttle.read_bps_device blkio.throttle.write_bps_device \
      blkio.throttle.read_iops_device blkio.throttle.write_iops_device
    v2max="io\.max: $mm rbps=1048576 wbps=2097152 riops=300 wiops=400"
    f "--io-read-bps lands" "$out" "^(blkio\.throttle\.read_bps_device: $mm 1048576|$v2max)\$"
    f "--io-write-bps lands" "$out" "^(blkio\.throttle\.write_bps_device: $mm 2097152|$v2max)\$"
    f "--io-read-iops lands" "$out" "^(blkio\.throttle\.read_iops_device: $mm 300|$v2max)\$"
    f "--io-write-iops lands" "$out" "^(blkio\.throttle\.write_iops_device: $mm 400|$v2max)\$"
  else
    echo "skip - --io-read-bps and the other io limits (no block device behind /)"
  fi
  # On a host whose controllers are v1 (hybrid: v2 only for placement), v2 alone has no
  # memory controller, and v1 alone makes no v2 cgroup.
  if "$boxrun" --probe | grep -Eq '"cgroup_layout": "(hybrid|v1)"'; then
    t "--cgroup-backend v2: no memory controller in v2" 125 'not available in cgroup v2' \
      "$boxrun" --root "$root" --cgroup-backend v2 --mem 64M true
    t "--cgroup-backend v2 --best-effort skips --mem" 0 '^boxrun: --mem: not enforced: ' \
      "$boxrun" --verbose --root "$root" --cgroup-backend v2 --best-effort --mem 64M true
    t "--cgroup-backend v1" 0 '^boxrun: --processes enforced by /.*/pids\.max$' \
      "$boxrun" --verbose $cgbox --cgroup-backend v1 --processes 8 cat /proc/self/cgroup
    f "--cgroup-backend v1: in a v1 pids cgroup" "$out" '^[0-9]+:pids:/.'
    host_v2=$(sed -n 's/^0:://p' /proc/self/cgroup)
    if [ -n "$host_v2" ]; then
      f "--cgroup-backend v1: no v2 cgroup of its own" "$out" "^0::$host_v2\$"
    fi
  else
    echo "skip - --cgroup-backend v1/v2 (not a v1 or hybrid cgroup host)"
  fi
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
# --cap-add ALL --cap-drop: every capability the kernel has (boxrun names 0..40) but the
# dropped one, CAP_NET_RAW = bit 13.
last=$(cat /proc/sys/kernel/cap_last_cap)
all=$(((1 << (last + 1)) - 1))
named=$(((1 << ((last > 40 ? 40 : last) + 1)) - 1))
t "--cap-add ALL --cap-drop CAP_NET_RAW" 0 \
  "^CapBnd:[[:space:]]+$(printf %016x $((named & ~(1 << 13))))\$" \
  "$boxrun" --root "$root" --proc /proc --cap-add ALL --cap-drop CAP_NET_RAW \
  grep CapBnd /proc/self/status
t "--cap-drop after --cap-add ALL, then --cap-add again" 0 \
  "^CapBnd:[[:space:]]+$(printf %016x $all)\$" \
  "$boxrun" --root "$root" --proc /proc --cap-add ALL --cap-drop CAP_NET_RAW --cap-add net_raw \
  grep CapBnd /proc/self/status
if [ "$(id -u)" = 0 ]; then
  # Without a user namespace the box holds at most boxrun's own bounding set.
  bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  t "--cap-add ALL --cap-drop without a user namespace" 0 \
    "^CapBnd:[[:space:]]+$(printf %016x $((0x$bnd & named & ~(1 << 13))))\$" \
    "$boxrun" $bw --unshare-pid --cap-add ALL --cap-drop cap_net_raw grep CapBnd /proc/self/status
fi
t "--cap-drop of an unknown capability after --cap-add ALL" 125 \
  '^boxrun: --cap-drop CAP_BOGUS: unknown capability' \
  "$boxrun" --root "$root" --cap-add ALL --cap-drop CAP_BOGUS true
# --time-ns: a time namespace of its own, with either set of namespace rules.
host_time=$(readlink /proc/self/ns/time | sed 's/[][]/\\&/g') # as a regex
t "--time-ns" 0 '^time:' "$boxrun" --root "$root" --proc /proc --time-ns readlink /proc/self/ns/time
n "--time-ns: not the host's" "^$host_time\$"
t "--time-ns with bwrap rules" 0 '^time:' "$boxrun" $bw --unshare-pid --time-ns \
  readlink /proc/self/ns/time
n "--time-ns with bwrap rules: not the host's" "^$host_time\$"
t "--time-offset" 0 '^[0-9]{7}' "$boxrun" --root "$root" --proc /proc --time-ns \
  --time-offset boottime=2000000 sh -c '(cut -d" " -f1 /proc/uptime; true)'
t "--time-offset without --time-ns" 125 'needs BOX_NS_TIME' "$boxrun" --root "$root" \
  --time-offset boottime=5 true
t "--time-offset: bad clock" 125 "unknown clock 'realtime'" "$boxrun" --time-offset realtime=5 true
t "no time namespace by default" 0 "^$host_time\$" "$boxrun" $bw --unshare-all \
  readlink /proc/self/ns/time
# --veth, in a network namespace of the test's own (unshare -n): the box reaches our end.
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  t "--veth" 0 'default via 10\.78\.0\.1 dev eth0' unshare -n "$boxrun" --root "$root" \
    --veth vb0 10.78.0.1/24 10.78.0.2 sh -c 'ip addr show eth0; ip route'
  f "--veth: the box's address" "$out" 'inet 10\.78\.0\.2/24'
  t "--veth: our end is up with its address" 0 'inet 10\.78\.0\.1/24' unshare -n sh -c \
    "\"$boxrun\" --root \"$root\" --veth vb0 10.78.0.1/24 10.78.0.2 sleep 0.5 & sleep 0.3; ip addr show vb0; wait"
fi
t "--veth: bad prefix" 125 "^boxrun: --veth: '10.0.0.1' is not ADDR/PREFIX" "$boxrun" \
  --veth v0 10.0.0.1 10.0.0.2 true
t "--veth: addresses of two networks" 125 'not two addresses of one /24 network' "$boxrun" \
  --veth v0 10.0.0.1/24 10.0.1.2 true

# --noexec / --norec: modifiers of the next mount.
t "--noexec bind" 0 '^noexec$' "$boxrun" $bw --tmpfs /t --noexec --ro-bind "$root/bin" /t/bin \
  sh -c '/t/bin/true && echo ran || echo noexec'
t "--noexec tmpfs" 0 '^noexec$' "$boxrun" $bw --noexec --tmpfs /t \
  sh -c 'cp /bin/busybox /t/b && /t/b true && echo ran || echo noexec'
t "without --noexec the bind runs" 0 '^ran$' "$boxrun" $bw --tmpfs /t --ro-bind "$root/bin" /t/bin \
  sh -c '/t/bin/true && echo ran || echo noexec'
# (the host's /dev has devpts mounted on /dev/pts: a recursive bind shows its ptmx)
# (without a user namespace: root with bwrap's rules, which make none; with one the kernel
# refuses to uncover what submounts hide, and boxrun says so)
if grep -q ' /dev/pts ' /proc/self/mountinfo && [ "$(id -u)" = 0 ]; then
  t "--norec: the mounts below are left out" 0 '^only-the-top$' "$boxrun" $bw --unshare-pid \
    --ro-bind /dev /d1 --norec --ro-bind /dev /d2 \
    sh -c '[ -e /d1/pts/ptmx ] && [ ! -e /d2/pts/ptmx ] && echo only-the-top'
  t "--norec in a user namespace: the kernel's refusal explained" 125 \
    'with a user namespace the kernel refuses a bind without the mounts below it' \
    "$boxrun" $bw --norec --ro-bind /dev /d2 true
fi
t "--norec before a non-mount is refused" 125 'must be followed by a bind or --tmpfs' \
  "$boxrun" $bw --norec --proc /proc true
t "--noexec left pending is refused" 125 'must be followed by a mount option' \
  "$boxrun" $bw --noexec true
# --seccomp-export: the filter as text, nothing run.
t "--seccomp-export" 0 'filter for syscall "keyctl"' "$boxrun" --seccomp-export - true
t "--seccomp-export with a rule" 0 '' "$boxrun" --seccomp-default off \
  --seccomp-rule 'socket=errno:97,a0==10' --seccomp-export "$tmp/filter.txt"
f "--seccomp-export FILE: the comparison" "$tmp/filter.txt" 'if \(\$a0(\.lo32)? == 10\)'
f "--seccomp-export FILE: the action" "$tmp/filter.txt" 'action ERRNO\(97\)'
# --allow-new-privs, with and without the seccomp filter (installed early then)
t "--allow-new-privs" 0 '^NoNewPrivs:[[:space:]]+0$' "$boxrun" --root "$root" --proc /proc \
  --allow-new-privs --seccomp-default off grep NoNewPrivs /proc/self/status
t "--allow-new-privs with seccomp" 0 '^NoNewPrivs:[[:space:]]+0$' "$boxrun" --root "$root" \
  --proc /proc --allow-new-privs grep NoNewPrivs /proc/self/status
t "--allow-new-privs with Landlock is refused" 125 'Landlock' \
  "$boxrun" --root "$root" --allow-new-privs --landlock /=rx true
# --groups (root only: an unprivileged caller's user namespace has no setgroups)
if [ "$(id -u)" = 0 ]; then
  t "--groups" 0 '^0 5 6$' "$boxrun" --root "$root" --map-uid 0:100000:65536 \
    --map-gid 0:100000:65536 --groups 5,6 id -G
  t "--groups outside the gid map" 125 'setgroups' "$boxrun" --root "$root" --groups 5 true
fi
t "--groups: bad list" 125 "^boxrun: --groups: bad number" "$boxrun" --groups 5,x true

# --init: box-init is pid 1, the program pid 2.
t "--init: the program is pid 2" 0 '^2$' "$boxrun" --root "$root" --init sh -c 'echo $$'
t "--init: the exit status passes through" 3 '' "$boxrun" --root "$root" --init sh -c 'exit 3'
t "--init with --as-pid-1 is refused" 125 '^boxrun: --init and --as-pid-1' \
  "$boxrun" $bw --unshare-pid --as-pid-1 --init true
# --no-monitor: the box's first process is boxrun's own child (with the monitor it is the
# monitor's), and the exit status and a signal's end still pass through. As root and as
# nobody. parent_of OPTS...: "boxrun" when the first process of a box run with OPTS
# (--info-fd's child-pid) has boxrun as its parent, else what it has; as $nm_as.
parent_of() {
  rm -f "$tmp/nm-info"
  $nm_as "$boxrun" --root "$root" "$@" --info-fd 3 sleep 10 3>"$tmp/nm-info" </dev/null \
    >/dev/null 2>&1 &
  nm_boxrun=$!
  for i in $(seq 50); do grep -q child-pid "$tmp/nm-info" 2>/dev/null && break; sleep 0.1; done
  nm_child=$(sed -n 's/.*"child-pid": *\([0-9]*\).*/\1/p' "$tmp/nm-info")
  nm_ppid=$(awk '/^PPid:/ { print $2 }' "/proc/${nm_child:-none}/status" 2>/dev/null)
  kill -TERM "$nm_boxrun"
  wait "$nm_boxrun"
  if [ -n "$nm_ppid" ] && [ "$nm_ppid" = "$nm_boxrun" ]; then echo boxrun
  else echo "pid ${nm_ppid:-none} (boxrun $nm_boxrun, box ${nm_child:-none})"; fi
}
for who in root nobody; do
  if [ "$who" = nobody ]; then
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null ||
      ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$root/bin/busybox"; then
      echo "skip - nobody: --no-monitor (not root, no setpriv, or nobody cannot read $root)"
      continue
    fi
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  fi
  nm_as=$as as="" # t runs a shell function here, parent_of runs boxrun $nm_as
  t "$who: --no-monitor: the box is boxrun's child" 0 '^boxrun$' parent_of --no-monitor
  t "$who: without --no-monitor it is the monitor's" 0 '^pid [0-9]+ ' parent_of
  as=$nm_as
  t "$who: --no-monitor: the exit status passes through" 7 '' \
    "$boxrun" --root "$root" --no-monitor sh -c 'exit 7'
  t "$who: --no-monitor: 128+signal" 137 '' \
    "$boxrun" --root "$root" --no-monitor --init sh -c 'kill -KILL $$'
  t "$who: --no-monitor with --detach is refused" 125 \
    'BOX_OPT_NO_MONITOR cannot be combined with box_join_namespace or BOX_OPT_DETACH' \
    "$boxrun" --root "$root" --no-monitor --detach --id nm --state-dir "$tmp" true
  as=""
done
# --landlock
if "$boxrun" --probe | grep -q '"landlock_abi": [1-9]'; then
  t "--landlock: only the paths given" 1 "can't open '/etc': Permission denied" \
    "$boxrun" --root "$root" --landlock /bin=rx --landlock /tmp=rw --tmpfs /tmp \
    sh -c 'echo hi > /tmp/x && cat /tmp/x; ls /etc'
  f "--landlock: a rw path is written" "$out" '^hi$'
  t "--landlock with --init: box-init is let through, nothing else" 1 \
    "can't open '/etc': Permission denied" "$boxrun" --root "$root" --init \
    --landlock /bin=rx sh -c 'echo pid=$$; ls /etc'
  f "--landlock with --init: the program is pid 2" "$out" '^pid=2$'
  t "--landlock-best-effort still enforces where the kernel has Landlock" 1 \
    "can't open '/etc': Permission denied" \
    "$boxrun" --root "$root" --landlock-best-effort --landlock /bin=rx ls /etc
else
  t "--landlock without Landlock fails" 125 '^boxrun: ' \
    "$boxrun" --root "$root" --landlock /bin=rx ls /etc
  t "--landlock-best-effort without Landlock runs" 0 '' \
    "$boxrun" --root "$root" --landlock-best-effort --landlock /bin=rx ls /etc
fi
t "--seccomp-rule kill: SIGSYS" 159 '' "$boxrun" --root "$root" --seccomp-rule mkdir=kill mkdir /x
t "--seccomp-rule errno:N" 0 'Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule mkdir=errno:38 sh -c 'mkdir /t/x; true'
t "--seccomp-rule unknown call" 125 "unknown system call 'bogus'" \
  "$boxrun" --root "$root" --seccomp-rule bogus=allow true
# Rules on arguments, on chmod's mode: busybox chmod calls chmod(path, mode) on x86 and
# fchmodat(AT_FDCWD, path, mode) elsewhere (its mkdir -m also makes a 0777 directory and
# chmods it, so mkdir's own mode cannot tell -m 700 from -m 755).
case $(uname -m) in
x86_64 | i?86) call=chmod mode=a1 ;;
*) call=fchmodat mode=a2 ;;
esac
chmods='mkdir /t/a /t/b; chmod 700 /t/a; chmod 755 /t/b && echo b-ok'
t "--seccomp-rule with aN==V" 0 '/t/a: Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule "$call=errno:38,$mode==448" sh -c "$chmods"
f "--seccomp-rule with aN==V: another value passes" "$out" '^b-ok$'
t "--seccomp-rule with aN&MASK==V (hex)" 0 '/t/a: Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule "$call=errno:38,$mode&0x3f==0" \
  sh -c "$chmods"
f "--seccomp-rule with aN&MASK==V: another value passes" "$out" '^b-ok$'
t "--seccomp-rule with two comparisons, < and !=" 0 '/t/a: Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule "$call=errno:38,$mode<0x1c1,a0!=0" \
  sh -c "$chmods"
f "--seccomp-rule with two comparisons: another value passes" "$out" '^b-ok$'
t "--seccomp-rule log allows the call" 0 '^b-ok$' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-rule "$call=log" sh -c "$chmods"
n "--seccomp-rule log: nothing refused" 'Function not implemented'
t "--seccomp-rule socket=errno:97,a0==10" 0 'seccomp rule: socket -> errno:97 if a0==10$' \
  "$boxrun" --verbose --root "$root" --seccomp-rule 'socket=errno:97,a0==10' true
# A profile: the same rule, with comments, blanks and the other kinds of lines.
printf '# chmod to 0700 fails with ENOSYS\n\ndeny-list=on\n  %s=errno:38,%s==448  \ndefault=allow\n' \
  "$call" "$mode" >"$tmp/profile"
t "--seccomp-profile" 0 '/t/a: Function not implemented' \
  "$boxrun" --root "$root" --tmpfs /t --seccomp-profile "$tmp/profile" sh -c "$chmods"
f "--seccomp-profile: another value passes" "$out" '^b-ok$'
printf 'default=kill\n' >"$tmp/kill.profile"
t "--seccomp-profile default=kill" 159 '' \
  "$boxrun" --root "$root" --seccomp-profile "$tmp/kill.profile" true
printf '# fine\nchmod=errno:38\n%s=errno:38,%s=448\n' "$call" "$mode" >"$tmp/bad.profile"
t "--seccomp-profile syntax error names FILE:LINE" 125 \
  "^boxrun: --seccomp-profile $tmp/bad.profile:3: bad comparison '$mode=448'" \
  "$boxrun" --root "$root" --seccomp-profile "$tmp/bad.profile" true
printf 'deny-list=maybe\n' >"$tmp/bad.profile"
t "--seccomp-profile bad deny-list line" 125 "bad.profile:1: 'maybe' is not on or off" \
  "$boxrun" --root "$root" --seccomp-profile "$tmp/bad.profile" true
printf 'bogus=allow\n' >"$tmp/bad.profile"
t "--seccomp-profile unknown call names FILE:LINE" 125 \
  "bad.profile:1: .*unknown system call 'bogus'" \
  "$boxrun" --root "$root" --seccomp-profile "$tmp/bad.profile" true
# execve is allowed under any default action, but nothing else busybox needs.
t "--seccomp-default-action kill" 159 '' \
  "$boxrun" --root "$root" --seccomp-default-action kill true
t "--seccomp-default-action log" 0 '' "$boxrun" --root "$root" --seccomp-default-action log true
t "--seccomp-default-action kill with --init is refused" 125 'BOX_OPT_INIT cannot be combined' \
  "$boxrun" --root "$root" --init --seccomp-default-action kill true
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
  t "--seccomp with --add-seccomp-fd is refused" 125 '^boxrun: --add-seccomp-fd cannot be combined with --seccomp' \
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
t "--userns2: not a user namespace" 125 '^boxrun: switch_user_namespace: .*fd 0 is not a namespace' \
  "$boxrun" --root "$root" --userns2 0 true
t "--userns-block-fd needs --info-fd" 125 '^boxrun: --userns-block-fd requires --info-fd$' \
  "$boxrun" --root "$root" --userns-block-fd 0 true
t "--exec-label: no SELinux labels" 125 '^boxrun: labeling not supported on this system$' \
  "$boxrun" --root "$root" --exec-label system_u:x true
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
t "bad --mem-high" 125 '^boxrun: --mem-high: 1000 is out of range' "$boxrun" --mem-high 1000 true
t "bad --swap" 125 '^boxrun: --swap: bad size' "$boxrun" --swap 1X true
t "bad --cpu-weight" 125 '^boxrun: --cpu-weight: 0 is out of range \(1\.\.10000\)' \
  "$boxrun" --cpu-weight 0 true
t "bad --io-weight" 125 '^boxrun: --io-weight: 10001 is out of range' \
  "$boxrun" --io-weight 10001 true
t "bad --cpuset-cpus" 125 "^boxrun: --cpuset-cpus: bad list '3-1'" "$boxrun" --cpuset-cpus 3-1 true
t "bad --cpuset-mems" 125 "^boxrun: --cpuset-mems: bad list '0x1'" "$boxrun" --cpuset-mems 0x1 true
t "--io-read-bps without =" 125 "^boxrun: --io-read-bps: '/dev/null' is not DEV=BYTES" \
  "$boxrun" --io-read-bps /dev/null true
t "--io-write-iops takes no suffix" 125 "^boxrun: --io-write-iops: bad number '1K'" \
  "$boxrun" --io-write-iops /dev/null=1K true
t "--io-read-iops on a non-block device" 125 '^boxrun: --io-read-iops: .*/dev/null: Block device' \
  "$boxrun" --io-read-iops /dev/null=5 true
t "bad --cgroup-backend" 125 "^boxrun: --cgroup-backend: 'v3' is not auto, v1 or v2" \
  "$boxrun" --cgroup-backend v3 true
t "bad --landlock access" 125 "^boxrun: --landlock: bad access 'rq'" "$boxrun" --landlock /bin=rq true
t "--landlock without access" 125 "^boxrun: --landlock: '/bin' is not PATH=ACCESS" \
  "$boxrun" --landlock /bin true
t "bad seccomp comparison" 125 "^boxrun: --seccomp-rule: bad comparison 'a6==1'" \
  "$boxrun" --seccomp-rule 'chmod=errno:38,a6==1' true
t "more than 6 seccomp comparisons" 125 '^boxrun: --seccomp-rule: .* has more than 6 comparisons' \
  "$boxrun" --seccomp-rule 'chmod=allow,a0==1,a1==1,a2==1,a3==1,a4==1,a5==1,a0==2' true
t "bad --seccomp-default-action" 125 "^boxrun: --seccomp-default-action: bad action 'maybe'" \
  "$boxrun" --seccomp-default-action maybe true
t "missing --seccomp-profile" 125 '^boxrun: --seccomp-profile /nonexistent-boxrun: No such file' \
  "$boxrun" --seccomp-profile /nonexistent-boxrun true

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
  # nobody may not make cgroups here: --best-effort runs the box without the limit.
  if ! $as "$boxrun" --root "$root" --mem 64M true >/dev/null 2>&1; then
    t "nobody: --best-effort --mem" 0 '^boxrun: --mem: not enforced: ' \
      "$boxrun" --verbose --root "$root" --best-effort --mem 64M true
    n "nobody: --best-effort: --mem is not said to be enforced" '--mem enforced by'
  else
    echo "skip - nobody: --best-effort (nobody can enforce --mem on this host)"
  fi
  as=""
else
  echo "skip - nobody cases (not root, or nobody cannot use user namespaces or read $root)"
fi

# --detach: boxrun exits while the box runs on; --list shows it, --destroy ends it and
# says how; the exit status of a box that ended with nobody waiting is kept. As root and
# as nobody (its own state directory).
for who in root nobody; do
  if [ "$who" = nobody ]; then
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
      echo "skip - nobody: --detach (not root, or no setpriv)"
      continue
    fi
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  fi
  sd=$tmp/state-$who
  mkdir "$sd"
  [ "$who" = nobody ] && chown 65534:65534 "$sd"
  t "$who: --detach prints the pid" 0 '^[0-9]+$' \
    "$boxrun" --root "$root" --proc /proc --detach --id web --state-dir "$sd" sleep 100
  dpid=$(tail -n 1 "$out")
  t "$who: the detached box runs on" 0 '' kill -0 "$dpid"
  t "$who: --list" 0 "^web $dpid running\$" "$boxrun" --state-dir "$sd" --list
  t "$who: --detach with a taken id" 125 'exists already' \
    "$boxrun" --root "$root" --detach --id web --state-dir "$sd" true
  t "$who: --detach without --id" 125 'box_set_id' \
    "$boxrun" --root "$root" --detach --state-dir "$sd" true
  t "$who: --id refuses a path" 125 'set_id' "$boxrun" --root "$root" --id ../x true
  # --exec: a program in the running box (its pid namespace: it sees the box's sleep),
  # boxrun exiting as it does; --chdir and --setenv apply to it.
  t "$who: --exec sees the box and exits as the program" 3 'sleep 100' \
    "$boxrun" --state-dir "$sd" --exec web -- sh -c "cat /proc/[0-9]*/cmdline | tr '\\0' ' '; exit 3"
  t "$who: --exec --chdir --setenv" 0 '^/tmp bar$' \
    "$boxrun" --state-dir "$sd" --exec web --chdir /tmp --setenv FOO bar -- sh -c 'echo $(pwd) $FOO'
  t "$who: --exec of a missing program" 125 'exec.*no-such-program' \
    "$boxrun" --state-dir "$sd" --exec web -- no-such-program
  t "$who: --exec without a program" 125 'no program given' "$boxrun" --state-dir "$sd" --exec web
  t "$who: --exec of no such box" 125 'nobox.*does not exist' \
    "$boxrun" --state-dir "$sd" --exec nobox -- true
  t "$who: --pause with a program" 125 'only --exec runs one' \
    "$boxrun" --state-dir "$sd" --pause web -- true
  t "$who: two managing options" 125 'only one of' \
    "$boxrun" --state-dir "$sd" --pause web --resume web
  t "$who: --update without a limit" 125 'no limit given' "$boxrun" --state-dir "$sd" --update web
  # --ps, --pause and --resume need the box's cgroup: as root there is one; as nobody on a
  # host where nobody gets none (cgroup v1) they say so.
  $as "$boxrun" --state-dir "$sd" --ps web >"$out" 2>&1
  if [ $? -eq 0 ]; then
    f "$who: --ps lists the box's pid 1" "$out" "^$dpid\$"
    t "$who: --pause" 0 '' "$boxrun" --state-dir "$sd" --pause web
    t "$who: --list says paused" 0 "^web $dpid paused\$" "$boxrun" --state-dir "$sd" --list
    t "$who: --resume" 0 '' "$boxrun" --state-dir "$sd" --resume web
    t "$who: --list says running" 0 "^web $dpid running\$" "$boxrun" --state-dir "$sd" --list
  else
    [ "$who" = nobody ] || { fail=$((fail + 1)); echo "FAIL - root: --ps:"; cat "$out"; }
    f "$who: --ps without a box cgroup says so" "$out" 'cgroup'
  fi
  t "$who: --destroy kills it" 0 '^web killed' "$boxrun" --state-dir "$sd" --destroy web
  t "$who: --list after --destroy" 0 '' "$boxrun" --state-dir "$sd" --list
  n "$who: web is gone" '^web'
  t "$who: --destroy of no such box" 125 'does not exist' \
    "$boxrun" --state-dir "$sd" --destroy web
  t "$who: --detach, a program that exits 7" 0 '^[0-9]+$' \
    "$boxrun" --root "$root" --detach --id seven --state-dir "$sd" sh -c 'exit 7'
  i=0
  while [ $i -lt 100 ] && ! $as "$boxrun" --state-dir "$sd" --list | grep -q 'stopped$'; do
    sleep 0.1
    i=$((i + 1))
  done
  t "$who: its status is kept" 0 '^seven exited 7$' "$boxrun" --state-dir "$sd" --destroy seven
  if [ "$who" = root ]; then
    # --update: a new memory limit for a running box, read back from its cgroup.
    t "$who: --detach with --mem" 0 '^[0-9]+$' \
      "$boxrun" --root "$root" --detach --id lim --state-dir "$sd" --mem 64M sleep 100
    lpid=$(tail -n 1 "$out")
    t "$who: --update --mem" 0 '' "$boxrun" --state-dir "$sd" --update lim --mem 48M
    cg=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/"$lpid"/cgroup)
    if [ -n "$cg" ]; then
      t "$who: the box's memory.limit_in_bytes" 0 '^50331648$' \
        cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes"
    else # cgroup v2: the limit is on the box's cgroup, its pid 1 in a leaf below
      cg=$(sed -n 's/^0:://p' /proc/"$lpid"/cgroup)
      t "$who: the box's memory.max" 0 '^50331648$' cat "/sys/fs/cgroup${cg%/*}/memory.max"
    fi
    t "$who: --update of a limit the box has no cgroup for" 125 '^boxrun: --update: .*cpu' \
      "$boxrun" --state-dir "$sd" --update lim --cpu 500
    t "$who: --destroy lim" 0 '^lim killed' "$boxrun" --state-dir "$sd" --destroy lim
  fi
  as=""
  t "$who: the state directory is empty" 0 '' rmdir "$sd"
done

# kill (SIGTERM) of boxrun stops a boxed service that has no SIGTERM handler, as pid 1
# without --init too: 143 = 128 + SIGTERM.
for init in "" --init; do
  "$boxrun" --root "$root" $init sleep 100 >"$out" 2>&1 </dev/null &
  bpid=$!
  sleep 0.5
  kill -TERM "$bpid"
  # give it 10 s, then kill it so that a failure cannot hang the suite
  ( sleep 10; kill -KILL "$bpid" 2>/dev/null ) &
  guard=$!
  wait "$bpid"
  rc=$?
  kill "$guard" 2>/dev/null
  if [ "$rc" -eq 143 ]; then
    pass=$((pass + 1))
    echo "ok - SIGTERM to boxrun ${init:-without --init} stops the box (143)"
  else
    fail=$((fail + 1))
    echo "FAIL - SIGTERM to boxrun ${init:-without --init}: exit $rc (want 143)"
    sed 's/^/    /' "$out"
  fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
