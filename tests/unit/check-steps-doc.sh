#!/bin/sh
# doc/internals.md carries the child's step table as test_unit_child --print-steps prints it from
# lib/child.h, between two marker lines. Fails (with the diff) when the two differ.
# Usage: check-steps-doc.sh TEST_UNIT_CHILD DOC/STEPS.MD
set -eu
exe=$1 doc=$2
"$exe" --print-steps > "${TMPDIR:-/tmp}/steps.$$"
sed -n '/^<!-- steps: begin -->$/,/^<!-- steps: end -->$/p' "$doc" | sed '1d;$d' |
    diff -u - "${TMPDIR:-/tmp}/steps.$$" && rc=0 || rc=1
rm -f "${TMPDIR:-/tmp}/steps.$$"
[ $rc = 0 ] || echo "doc/internals.md is out of date: regenerate with $exe --print-steps" >&2
exit $rc
