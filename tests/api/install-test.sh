#!/bin/sh
# `meson install` puts library, header and pkg-config file in place, and a program outside
# the tree builds against them with pkg-config alone and runs a box.
set -eu
builddir=$1 example=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$builddir" --destdir "$tmp" --no-rebuild >/dev/null
pc=$(find "$tmp" -name libbox.pc | head -1)
[ -n "$pc" ] || { echo "libbox.pc not installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_SYSROOT_DIR="$tmp" PKG_CONFIG_PATH=$(dirname "$pc")
cc -o "$tmp/prog" "$example" $(pkg-config --cflags --libs libbox)
libdir=$(dirname "$(find "$tmp" -name 'libbox.so.0' | head -1)")
LD_LIBRARY_PATH="$libdir" "$tmp/prog"
echo "installed under $prefix and built with pkg-config: ok"
