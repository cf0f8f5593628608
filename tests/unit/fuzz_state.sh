#!/bin/sh
# Fuzz the state-file parser (lib/state.c) for BOX_STATE_FUZZ_SECONDS (default 20) from
# seeds written here: a full state, and a few short ones. Exit 77 when the fuzzer could not
# be built (no clang). Usage: fuzz_state.sh FUZZER
set -eu
fuzzer=$1
if [ ! -x "$fuzzer" ]; then
  echo "SKIP: no libFuzzer target: it is built in the default (debug) build without" \
       "sanitizers, when clang is installed (apt-get install clang libclang-rt-dev)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
printf 'libbox-state 1\nid web-1\npid 4242\nstarttime 123456789\nns 127\nopts 1034\nuid 1000\ngid 100\ngroup 5\nenv PATH=/bin\nenv ODD=a%%0Ab%%25c d\ncwd /srv\ncwd_set 1\ncwd_try /home\nhostname web\ncap_keep 1024\ncap_keep_all 0\nlimit 3 64 1\nlandlock 3 /usr\nlandlock_best_effort 1\nseccomp 0600000000000000\ncgroup 2 0 /sys/fs/cgroup/pids/libbox-detached-1-0\nlabel {"b": "/b"}%%0A\n' >"$work/corpus/full"
printf 'libbox-state 1\nid a\npid 1\nstarttime 1\n' >"$work/corpus/minimal"
printf 'libbox-state 1\nid a\npid 1\nstarttime 1\ncgroup 0 0 /x\nseccomp 06000000000000000600000000000000\n' >"$work/corpus/filters"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
status=0
# (libFuzzer's own default for a crash is exit 77, which meson would read as a skip.)
"$fuzzer" -max_total_time="${BOX_STATE_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -max_len=16384 -print_final_stats=1 \
  -artifact_prefix="$(pwd)/fuzz-state-" "$work/corpus" >"$work/log" 2>&1 || status=$?
tail -n 20 "$work/log"
exit $status
