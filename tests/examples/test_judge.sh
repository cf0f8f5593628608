#!/bin/sh
# examples/judge end to end: busybox programs as "submissions", checked for their verdicts,
# as root (cgroup limits) and as nobody (rootless: rlimit fallback).
# Usage: test_judge.sh JUDGE MKROOTFS
set -u
judge=$1
mkrootfs=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # the nobody cases read the rootfs through it
sh "$mkrootfs" "$tmp/root" || { echo "mkrootfs failed"; exit 1; }
printf 'hello\nworld\n' > "$tmp/in"
chmod 644 "$tmp/in"
out=$tmp/out
pass=0
fail=0
as=""

# t NAME WANT_RC PATTERN JUDGE-ARGS...: run the judge, want its exit status and a verdict
# line matching PATTERN (extended regex).
t() {
  name=$1 want=$2 pattern=$3
  shift 3
  $as "$judge" "$@" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" "$out"; then
    pass=$((pass + 1))
    echo "ok - $name${as:+ (as nobody)}"
  else
    fail=$((fail + 1))
    echo "FAIL - $name${as:+ (as nobody)}: exit $rc (want $want), pattern '$pattern'; output:"
    sed 's/^/    /' "$out"
  fi
}

v='time=[0-9.]+s wall=[0-9.]+s mem=[0-9.]+MiB$'
cases() {
  r="$tmp/root" i="$tmp/in"
  t "cat, input == expected: OK" 0 "^OK $v" "$r" "$i" "$i" -- cat
  t "wrong output: WA" 1 "^WA $v" "$r" "$i" "$i" -- echo wrong
  t "busy loop: TLE" 1 "^TLE $v" --time 0.3 "$r" "$i" "$i" -- sh -c 'while :; do :; done'
  t "exit 3: RE" 1 "^RE exit=3 $v" "$r" "$i" "$i" -- sh -c 'exit 3'
  t "usage error" 2 '^usage:' "$r" "$i"
  t "missing program: setup error" 2 'exec nosuchprog' "$r" "$i" "$i" -- nosuchprog
}

cases
if [ "$(id -u)" -eq 0 ]; then
  t "200 MB string in 32 MiB: MLE" 1 "^MLE $v" --mem 32 "$tmp/root" "$tmp/in" "$tmp/in" -- \
    sh -c 'x=$(head -c 200000000 /dev/zero | tr "\\0" a)'
  # 64 pids: the inner shell forks until it cannot and dies of it
  t "fork bomb: RE fork" 1 "^RE fork $v" "$tmp/root" "$tmp/in" "$tmp/in" -- \
    sh -c 'sh -c "while :; do sleep 5 & done" 2>/dev/null; exit 1'
else
  echo "skip - MLE, fork bomb (need root for cgroups)"
fi

nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   $nobody test -r "$tmp/root/bin/busybox" -a -r "$tmp/in" -a -x "$judge" 2>/dev/null; then
  as=$nobody
  cases
  # cpu limit 1.5s: RLIMIT_CPU (2s, whole seconds) ends it before the 4.5s wall limit
  t "busy loop, rlimit fallback: TLE" 1 "^TLE $v" --time 1.5 "$tmp/root" "$tmp/in" "$tmp/in" -- \
    sh -c 'while :; do :; done'
  # no cgroup: the box's own peak (box-init's report), not the judge's, decides
  t "48 MiB held in 32 MiB, rlimit fallback: MLE" 1 "^MLE $v" --mem 32 "$tmp/root" "$tmp/in" \
    "$tmp/in" -- sh -c 'head -c 50331648 /dev/zero | tail'
  t "small program, rlimit fallback: OK with its own peak" 0 "^OK time=[0-9.]+s wall=[0-9.]+s mem=[0-9]\.[0-9]MiB$" \
    "$tmp/root" "$tmp/in" "$tmp/in" -- cat
  as=""
else
  echo "skip - rootless cases (not root, no setpriv, or nobody cannot read the files)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
