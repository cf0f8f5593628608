#!/bin/sh
# Install dependencies, build libbox, and run every test: unit, API, integration (as root
# and as an unprivileged user), examples and Python — in a debug build, in a release build
# with Debian's hardening flags and under AddressSanitizer + UndefinedBehaviorSanitizer;
# compile once more with clang and with gcc -O3, -Werror — and the C suites once more on a
# pure cgroup v2 kernel in a qemu VM (scripts/test-cgroup2-vm.sh), whatever this host's cgroup
# layout; with LIBBOX_BWRAP_SUITE=1 also bubblewrap's own suite against bwrap-libbox (for
# information only). Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh

configure() { # build dir, extra meson options... (CC, CFLAGS, LDFLAGS from the caller)
  dir=$1; shift
  rm -rf "$dir" # a stale configuration must not hide a changed compiler or flags
  meson setup "$dir" -Dwerror=true "$@" >/dev/null
  ninja -C "$dir"
}
run_suite() { # build dir, extra meson options... ($SKIP: meson test --no-suite options)
  configure "$@"
  meson test -C "$1" --print-errorlogs --num-processes 2 ${SKIP:-} || status=1
}

status=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
start=$(date +%s)
# 1. A debug build (-O0), where a debugger sees everything.
run_suite build
# 2. A release build as Debian packages it: plain buildtype plus dpkg-buildflags with every
#    hardening feature (-O2, -fstack-protector-strong, -D_FORTIFY_SOURCE=2,
#    -Werror=format-security, -z relro -z now). Optimizer-dependent bugs in the CLONE_VM
#    child hide at -O0. (Not again: the Python binding's suite, which tests Python code,
#    and the container engines, minutes each; the debug pass ran them.)
(
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
  CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
  LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" SKIP="--no-suite engines --no-suite python" \
    run_suite build-release --buildtype=plain
  exit $status
) || status=1
# 3. AddressSanitizer + UndefinedBehaviorSanitizer (the engines once, above: they run the
#    runtime as a separate binary under podman and containerd).
SKIP="--no-suite engines" run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
# 4. clang, and gcc at -O3 (meson's release buildtype), with -Werror: both must compile
#    cleanly too (the suites ran above); -O3 finds warnings -O2 does not (format-truncation,
#    stringop-overflow, maybe-uninitialized).
CC=clang CXX=clang++ configure build-clang --buildtype=release || status=1
configure build-gcc-o3 --buildtype=release || status=1
# 5. The C suites on a pure cgroup v2 kernel (a pinned Debian 13 kernel under qemu).
vm=0
sh scripts/test-cgroup2-vm.sh build || { vm=1; status=1; }
# 6. Optional, informational (it fetches with apt-get source and never fails CI):
#    bubblewrap's own suite against bwrap-libbox and Debian's bwrap, counts side by side.
if [ -n "${LIBBOX_BWRAP_SUITE:-}" ]; then
  bash scripts/bwrap-suite.sh build || echo "test-all: bwrap-suite.sh did not run (exit $?)"
fi
echo "test-all: $(( $(date +%s) - start )) s"

python3 - "$vm" build/meson-logs/testlog.json build-release/meson-logs/testlog.json \
  build-asan/meson-logs/testlog.json <<'PY'
import json, sys
count = {"OK": 0, "FAIL": 0, "SKIP": 0}
failed = []  # named again at the very end: CI often keeps only the tail of the output
count["FAIL" if sys.argv[1] != "0" else "OK"] += 1  # the cgroup v2 VM, as one test
if sys.argv[1] != "0":
    failed.append("cgroup v2 VM (scripts/test-cgroup2-vm.sh)")
for path in sys.argv[2:]:
    try:
        log = open(path)
    except FileNotFoundError:  # that build failed before its suite could run
        print(f"test-all: {path}: no results (the build failed)")
        failed.append(f"{path.split('/')[0]}: the build")
        count["FAIL"] += 1
        continue
    for line in log:
        t = json.loads(line)
        r = t["result"]
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        count[key] += 1
        if key == "FAIL":
            failed.append(f"{path.split('/')[0]}: {t['name']} ({r})")
            tail = (t.get("stdout") or "").splitlines()[-15:]
            failed.extend("    " + l for l in tail)
for f in failed:
    print(f"test-all: FAILED {f}" if not f.startswith("    ") else f)
print(f"{count['OK']} passed, {count['FAIL']} failed, {count['SKIP']} skipped")
PY
exit $status
