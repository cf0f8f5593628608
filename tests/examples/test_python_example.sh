#!/bin/sh
# examples/python/run_untrusted.py end to end, with the Debian python3 (the first python3
# in PATH may be a pyenv shim). Usage: test_python_example.sh SOURCE_ROOT LIBBOX_SO
set -u
src=$1
export PYTHONPATH=$src/bindings/python LIBBOX_LIBRARY=$2
py=/usr/bin/python3
script=$src/examples/python/run_untrusted.py
[ -x "$py" ] || { echo "skip - no $py"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0
fail=0

# t NAME WANT_RC PATTERN CODE: run the snippet, want the script's exit status and a line
# matching PATTERN (extended regex) in its output.
t() {
  "$py" "$script" "$4" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$2" ] && grep -Eq -- "$3" "$out"; then
    pass=$((pass + 1))
    echo "ok - $1"
  else
    fail=$((fail + 1))
    echo "FAIL - $1: exit $rc (want $2), pattern '$3'; output:"
    sed 's/^/    /' "$out"
  fi
}

t "6*7" 0 '^42$' 'print(6*7)'
t "verdict and times" 0 '^verdict: exited 0$' 'print(6*7)'
t "cpu and wall times" 0 '^cpu: [0-9.]+s wall: [0-9.]+s$' 'print(6*7)'
t "no network: loopback of its own" 1 'ConnectionRefusedError|Connection refused' \
  'import socket; socket.create_connection(("127.0.0.1", 9))'
# (Only loopback is ever addressed: the box must not have any other interface to try.)
t "no network: only lo" 0 "^\\['lo'\\]" \
  'import socket; print([n for _, n in socket.if_nameindex()])'
t "read-only /usr" 1 'Read-only file system' 'open("/usr/x", "w")'
t "infinite loop: wall limit" 1 '^verdict: killed: wall time limit' 'while True: pass'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
