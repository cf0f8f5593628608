#!/bin/sh
# bwrap's "pre-exec failure doesn't include exit-code in json-status", for bwrap-libbox:
# strace makes one prctl(2) of the box's own process fail before the program is exec'ed;
# bwrap-libbox must then fail with its own status (1), say why, never run the program, and
# write no "exit-code" to --json-status-fd. bwrap's test fails the 39th prctl of each
# process, a count of bwrap's own calls, which bwrap-libbox makes too (as root, one
# PR_CAP_AMBIENT_RAISE per kept capability, as bwrap; as nobody, one PR_CAPBSET_DROP per
# capability): that case as it is, then one that counts the calls of the process that
# execs the program in an undisturbed run and aims at the last of them (libbox's
# no_new_privs), as root and as nobody. Skips (77) without an strace that injects faults.
# Usage: test_bwrap_strace.sh BWRAP_LIBBOX
set -u
bw=$1
case $bw in /*) ;; *) bw=$(pwd)/$bw ;; esac
if [ -z "${LIBBOX_INIT:-}" ] && [ -x "$(dirname "$bw")/../lib/box-init" ]; then
  LIBBOX_INIT=$(dirname "$bw")/../lib/box-init
  export LIBBOX_INIT
fi
if ! command -v strace >/dev/null; then
  echo "SKIP: no strace (Debian's strace package)"
  exit 77
fi
if ! strace -o /dev/null -e trace=getpid -e inject=getpid:error=ENOSYS true 2>/dev/null; then
  echo "SKIP: this strace cannot inject faults (-e inject=...:error=)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 1777 "$tmp"
pass=0
fail=0

check() {
  if eval "$2"; then
    pass=$((pass + 1))
    echo "ok - $1"
  else
    fail=$((fail + 1))
    echo "FAIL - $1 ($2)"
    for f in "$tmp"/log "$tmp"/err "$tmp"/json; do
      [ -s "$f" ] && { echo "  $f:"; sed 's/^/    /' "$f"; }
    done
  fi
}

# case WHO [RUNAS...]: bwrap's case, the undisturbed run, then the one with the fault.
case_as() {
  who=$1
  shift
  rm -f "$tmp"/err "$tmp"/json "$tmp"/ran
  "$@" strace -o /dev/null -f -e trace=prctl -e fault=prctl:when=39 \
    "$bw" --ro-bind / / --bind "$tmp" "$tmp" --die-with-parent --json-status-fd 3 \
    touch "$tmp/ran" 3>"$tmp/json" 2>"$tmp/err"
  rc=$?
  check "${who}bwrap's case, prctl number 39 fails: status 1 (got $rc)" '[ "$rc" = 1 ]'
  check "${who}... the program did not run" '[ ! -e "$tmp/ran" ]'
  check "${who}... no exit-code in --json-status-fd" '! grep -q "exit-code" "$tmp/json"'
  rm -f "$tmp"/log "$tmp"/err "$tmp"/json "$tmp"/ran
  "$@" strace -f -o "$tmp/log" -e trace=prctl,execve \
    "$bw" --ro-bind / / --bind "$tmp" "$tmp" --die-with-parent --json-status-fd 3 \
    touch "$tmp/ran" 3>"$tmp/json" 2>"$tmp/err"
  check "${who}undisturbed: the program ran" '[ -e "$tmp/ran" ]'
  check "${who}undisturbed: exit-code 0 in --json-status-fd" \
    'grep -q "\"exit-code\": 0" "$tmp/json"'
  # The process that exec'ed the program (`touch`), and its prctl calls before that.
  pid=$(awk '/execve\(.*touch.*= 0$/ { p = $1 } END { print p }' "$tmp/log")
  k=$(awk -v p="$pid" '$1 == p && /prctl\(/ { n++ } $1 == p && /execve\(.*= 0$/ { print n + 0; exit }' "$tmp/log")
  check "${who}the box's process makes prctl calls before exec (found ${k:-none})" \
    '[ -n "$pid" ] && [ "${k:-0}" -gt 0 ]'
  [ -n "$pid" ] && [ "${k:-0}" -gt 0 ] || return
  rm -f "$tmp"/err "$tmp"/json "$tmp"/ran
  "$@" strace -f -o /dev/null -e trace=prctl -e "inject=prctl:error=ENOSYS:when=$k" \
    "$bw" --ro-bind / / --bind "$tmp" "$tmp" --die-with-parent --json-status-fd 3 \
    touch "$tmp/ran" 3>"$tmp/json" 2>"$tmp/err"
  rc=$?
  check "${who}prctl number $k fails: bwrap-libbox's own status 1 (got $rc)" '[ "$rc" = 1 ]'
  check "${who}... the error says why" \
    'grep -Eq "^bwrap: spawn: .*: Function not implemented$" "$tmp/err"'
  check "${who}... the program did not run" '[ ! -e "$tmp/ran" ]'
  check "${who}... no exit-code in --json-status-fd" '! grep -q "exit-code" "$tmp/json"'
}

case_as ""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$bw" --ro-bind / / true 2>/dev/null; then
  case_as "nobody: " setpriv --reuid=65534 --regid=65534 --clear-groups
else
  echo "skip - nobody cases (not root, or nobody cannot make user namespaces here)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
