#!/bin/sh
# examples/connect-log end to end: busybox wget in a box connects to addresses on the box's
# own lo (nothing listens: refused); the supervisor must log each one with its address,
# as root and as nobody. Usage: test_connect_log.sh CONNECT_LOG MKROOTFS
set -u
prog=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
sh "$2" "$tmp/root" || { echo "mkrootfs failed"; exit 1; }
pass=0
fail=0

# c NAME WANT_RC PATTERN COMMAND...: the output of `connect-log ROOT COMMAND...` has a line
# matching PATTERN and the exit status is WANT_RC.
c() {
  name=$1 want=$2 pattern=$3
  shift 3
  $as "$prog" "$tmp/root" "$@" >"$tmp/out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" "$tmp/out"; then
    pass=$((pass + 1)); echo "ok - $name${as:+ (as nobody)}"
  else
    fail=$((fail + 1)); echo "FAIL - $name${as:+ (as nobody)}: exit $rc (want $want), '$pattern':"
    sed 's/^/    /' "$tmp/out"
  fi
}

cases() {
  c "IPv4 connect logged" 1 '^connect: 127\.0\.0\.1:9 \(pid [0-9]+\)$' wget -q -O- http://127.0.0.1:9/
  c "the call went on (refused by the kernel, not by us)" 1 'Connection refused' \
    wget -q -O- http://127.0.0.1:9/
  c "every connect of every process" 0 '^connect: 127\.0\.0\.1:8 ' \
    sh -c 'wget -q http://127.0.0.1:7/; wget -q http://127.0.0.1:8/; true'
  grep -q '^connect: 127\.0\.0\.1:7 ' "$tmp/out" && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL - the first of two connects was not logged"; }
  c "no connect, nothing logged" 0 '^hi$' echo hi
  if grep -q '^connect' "$tmp/out"; then fail=$((fail + 1)); echo "FAIL - a connect logged for echo"; fi
  c "usage" 2 '^usage:' 
}

as=""
cases
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$tmp/root/bin/busybox"; then
  as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  cases
else
  echo "skip - nobody cases"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
