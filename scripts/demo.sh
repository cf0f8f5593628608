#!/bin/sh
# Install dependencies, build libbox and run the demo box: a busybox root with its own
# pid, uts, mount, ipc, net and user namespaces, shown from inside.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build
ninja -C build
rootfs=$(mktemp -d /tmp/libbox-demo-XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
sh tests/mkrootfs.sh "$rootfs/root"
./build/examples/demo "$rootfs/root"
