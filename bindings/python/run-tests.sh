#!/bin/sh
# Run the binding's pytest suite; with --rootless, as user nobody when we are root (skipped,
# exit 77, when nobody cannot read the source tree or the built library).
# The suite reads LIBBOX_LIBRARY (the library under test), LIBBOX_TEST_ROOTFS (a busybox root
# filesystem to reuse; the tests leave it as they found it) and LIBBOX_TEST_SYSPROBE
# (tests/integration/sysprobe, run in the box by the seccomp notification tests, which skip
# without it); setpriv passes them on.
set -eu
python=$1 testdir=$2 mode=${3:-}
if [ "$mode" = --rootless ] && [ "$(id -u)" = 0 ]; then
  as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp"
  if ! $as_nobody test -r "$testdir/test_libbox.py" -a -r "$LIBBOX_LIBRARY"; then
    echo "nobody cannot read $testdir or $LIBBOX_LIBRARY: skipping the rootless run"
    exit 77
  fi
  exec $as_nobody "$python" -B -m pytest -q -p no:cacheprovider "$testdir"
fi
exec "$python" -B -m pytest -q -p no:cacheprovider "$testdir"
