#!/bin/sh
# Install dependencies, build libbox, and run every test: unit, API, integration (as root
# and as an unprivileged user), examples and Python — once in a normal build and once
# under AddressSanitizer + UndefinedBehaviorSanitizer — and the C suites once more on a pure
# cgroup v2 kernel in a qemu VM (scripts/test-cgroup2-vm.sh), whatever this host's cgroup
# layout. Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh

run_suite() { # build dir, extra meson options...
  dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null
  else meson setup "$dir" -Dwerror=true "$@" >/dev/null; fi
  ninja -C "$dir"
  meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
}

status=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
vm=0
sh scripts/test-cgroup2-vm.sh build || { vm=1; status=1; }

python3 - "$vm" build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
count = {"OK": 0, "FAIL": 0, "SKIP": 0}
count["FAIL" if sys.argv[1] != "0" else "OK"] += 1  # the cgroup v2 VM, as one test
for path in sys.argv[2:]:
    for line in open(path):
        r = json.loads(line)["result"]
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        count[key] += 1
print(f"{count['OK']} passed, {count['FAIL']} failed, {count['SKIP']} skipped")
PY
exit $status
