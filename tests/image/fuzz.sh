#!/bin/sh
# Fuzz layer unpacking (lib/layer.c) for BOXIMAGE_FUZZ_SECONDS (default 30) from seeds made
# here with python's tarfile: plain entries, links, whiteouts, an opaque dir, hostile paths.
# Exit 77 when the fuzzer could not be built (no clang). Usage: fuzz.sh FUZZER
set -eu
fuzzer=$1
if [ ! -x "$fuzzer" ]; then
  echo "SKIP: no libFuzzer target: it is built in the default (debug) build without" \
       "sanitizers, when clang is installed (apt-get install clang libclang-rt-dev)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work" /tmp/libbox-fuzz-layer-*' EXIT
python3 - "$work" <<'PY'
import gzip, io, sys, tarfile
def tar(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, extra in entries:
            i = tarfile.TarInfo(name); i.type = kind; data = b""
            if kind == tarfile.REGTYPE: data = extra or b"x"; i.size = len(data)
            else: i.linkname = extra or ""
            t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return b.getvalue()
R, D, S, L = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
seeds = {
  "plain": [("d", D, None), ("d/f", R, b"hello"), ("d/s", S, "f"), ("d/h", L, "d/f")],
  "whiteouts": [("d", D, None), ("d/.wh..wh..opq", R, None), ("d/.wh.gone", R, None)],
  "hostile": [("../x", R, None), ("/abs", R, None), ("s", S, "/"), ("s/x", R, None),
              ("h", L, "../../etc/passwd")],
}
for name, entries in seeds.items():
    raw = tar(entries)
    open(f"{sys.argv[1]}/{name}.tar", "wb").write(raw)
    open(f"{sys.argv[1]}/{name}.tar.gz", "wb").write(gzip.compress(raw))
PY
mkdir "$work/corpus"
mv "$work"/*.tar* "$work/corpus/"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
status=0
# (libFuzzer's own default for a crash is exit 77, which meson would read as a skip.)
"$fuzzer" -max_total_time="${BOXIMAGE_FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$(pwd)/fuzz-layer-" "$work/corpus" \
  >"$work/log" 2>&1 || status=$?
tail -n 20 "$work/log"
exit $status
