#!/bin/sh
# Fuzz boxoci's config.json module for BOXOCI_FUZZ_SECONDS (default 60) from the seed
# corpus, on a scratch copy of it; nothing is left behind but a crash's artifact. Exit 77
# when the fuzzer could not be built (no clang).
# Usage: fuzz.sh FUZZER SEED_DIR
set -eu
fuzzer=$1
seeds=$2
if [ ! -x "$fuzzer" ]; then
  echo "SKIP: no libFuzzer target: it is built in the default (debug) build without" \
       "sanitizers, when clang is installed (apt-get install clang libclang-rt-dev)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/tmp"
cp "$seeds"/* "$work/corpus/"
# The target's bundle directory goes to a TMPDIR removed with the rest, whatever the end.
export TMPDIR="$work/tmp"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
# A crashing input is kept in the current directory (the build directory under meson).
status=0
"$fuzzer" -max_total_time="${BOXOCI_FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$(pwd)/fuzz-oci-" "$work/corpus" \
  >"$work/log" 2>&1 || status=$?
tail -n 40 "$work/log"
# libFuzzer's default exit code for a crash is 77, which meson would read as a skip.
[ "$status" -eq 77 ] && status=1
exit $status
