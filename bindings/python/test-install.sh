#!/bin/sh
# The install test: put the binding into fresh prefixes the two supported ways and import
# it from outside the source tree, with no PYTHONPATH and no LIBBOX_LIBRARY (the library
# is found by its soname through LD_LIBRARY_PATH, as an installed one is by ld.so):
#   1. meson install into a venv of PYTHON, named by -Dpython (only the python-runtime
#      tag: nothing is compiled);
#   2. meson install with the default prefix (into a DESTDIR): the directory must be on
#      PYTHON's sys.path;
#   3. pip install --no-build-isolation of bindings/python (offline, Debian's setuptools)
#      into a venv that sees the system's site packages (for setuptools).
# Each then runs a box; as root, again as nobody. Skips (77) without venv or pip.
# Usage: test-install.sh SOURCE_ROOT LIBDIR PYTHON MESON
set -eu
src=$1 libdir=$2 python=$3 meson=$4
tmp=$(mktemp -d /tmp/libbox-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

check() { # check VENV_PYTHON: import and run from /, with a clean environment
  for who in "" nobody; do
    run=""
    if [ "$who" = nobody ]; then
      [ "$(id -u)" = 0 ] || continue
      run="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
    (cd / && $run env -i PATH=/usr/bin:/bin HOME=/tmp LD_LIBRARY_PATH="$libdir" "$1" -c '
import os, sys
import libbox
prefix = sys.argv[1]
assert libbox.__file__.startswith(prefix + "/"), (libbox.__file__, prefix)
assert "PYTHONPATH" not in os.environ and "LIBBOX_LIBRARY" not in os.environ
r = libbox.run(["echo", "installed"], system=True, capture_output=True, text=True)
assert (r.returncode, r.stdout) == (0, "installed\n"), r
print("ok:", libbox.__file__, "uid", os.getuid())
' "$(dirname "$(dirname "$1")")")
  done
}

if ! "$python" -m venv --without-pip "$tmp/meson-prefix" >/dev/null 2>&1; then
  echo "no venv module in $python (python3-venv): skipping"; exit 77
fi
"$meson" setup "$tmp/build" "$src" --prefix="$tmp/meson-prefix" \
  -Dpython="$tmp/meson-prefix/bin/python3" -Dtests=false >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log"; exit 1; }
"$meson" install -C "$tmp/build" --no-rebuild --tags python-runtime >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; exit 1; }
grep "site-packages/libbox" "$tmp/install.log" | head -1
check "$tmp/meson-prefix/bin/python3"

# The default prefix (/usr/local): meson install (into a DESTDIR) must put the package in
# a directory on the interpreter's own sys.path (Debian's meson alone would not).
"$meson" setup "$tmp/build-default" "$src" -Dpython="$python" -Dtests=false \
  >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 1; }
DESTDIR="$tmp/dest" "$meson" install -C "$tmp/build-default" --no-rebuild \
  --tags python-runtime >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
dir=$(cd "$tmp/dest" && find . -path '*/libbox/__init__.py' | sed 's|^\.||; s|/libbox/__init__.py$||')
"$python" -c 'import sys; assert sys.argv[1] in sys.path, sys.argv[1:] + sys.path' "$dir"
echo "ok: the default prefix installs into $dir, on $python's sys.path"

if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "no pip for $python (python3-pip): skipping the pip half"; exit 77
fi
"$python" -m venv --without-pip --system-site-packages "$tmp/pip-prefix"
cp -R "$src/bindings/python" "$tmp/pysrc" # pip builds in the tree it is given
"$python" -m pip --python "$tmp/pip-prefix/bin/python3" install --no-index \
  --no-build-isolation --no-deps --quiet "$tmp/pysrc"
check "$tmp/pip-prefix/bin/python3"
