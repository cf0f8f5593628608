#!/bin/sh
# Run the C test suites (unit, integration, cgroup, privilege; as root and as nobody) on a
# pure cgroup v2 host: Debian's own kernel booted under qemu with cgroup_no_v1=all, the
# built test programs and their libraries in an initramfs, busybox as /init's shell. This
# exercises the v2 controller paths (subtree_control, memory.max, cpu.max, io.max,
# memory.peak, memory.events, clone3 into the box cgroup for every controller) on any
# machine, hybrid or not. Needs root (apt-get) and a build directory; prints the suites'
# results and ends with "vm: N passed, M failed". Usage: test-cgroup2-vm.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
build=$(cd "${1:-build}" && pwd)
work=$build/cgroup2-vm
export DEBIAN_FRONTEND=noninteractive

# qemu, and Debian's kernel image unpacked (not installed: nothing on this host changes).
# The kernel is pinned, so that a new Debian kernel release cannot silently change what
# this stage proves. Debian keeps each ABI as its own package for a while; when the pinned
# one is gone, the newest is used and the run says so loudly: then move the pin.
pinned=linux-image-6.1.0-57-amd64
command -v qemu-system-x86_64 >/dev/null ||
  apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
mkdir -p "$work"
if ! [ -f "$work/kernel.pkg" ] || ! ls "$work"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
  rm -rf "$work/kernel" "$work"/linux-image-*.deb
  pkg=$pinned
  if ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    echo "vm: WARNING: the pinned kernel $pinned is not in the archive any more; using $pkg" \
      "(update \$pinned in scripts/test-cgroup2-vm.sh)"
    (cd "$work" && apt-get download "$pkg" >/dev/null)
  fi
  dpkg -x "$work"/linux-image-*.deb "$work/kernel"
  echo "$pkg $(dpkg-deb -f "$work"/linux-image-*.deb Version)" >"$work/kernel.pkg"
fi
kernel=$(ls "$work"/kernel/boot/vmlinuz-* | head -n 1)
kver=${kernel##*/vmlinuz-}
echo "vm: kernel package $(cat "$work/kernel.pkg") (pinned: $pinned)"

# The initramfs: the test programs at their build paths (they hold absolute paths), every
# shared library they load, busybox, and two modules: a ramdisk (io.max) and veth.
root=$work/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc" "$root/mod"
cp /bin/busybox "$root/bin/busybox"
progs="tests/test_unit tests/test_unit_priv tests/test_integration tests/test_cgroup
       tests/test_priv tests/test_detach tests/sysprobe lib/box-init"
for p in $progs; do
  mkdir -p "$root$build/$(dirname "$p")"
  cp "$build/$p" "$root$build/$p"
  ldd "$build/$p" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' |
    while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
done
mkdir -p "$root$src/tests"
cp "$src/tests/mkrootfs.sh" "$root$src/tests/"
for m in brd veth; do # a ramdisk for io.max, veth for box_net_veth
  cp "$(find "$work/kernel/lib/modules/$kver" -name "$m.ko*" | head -n 1)" "$root/mod/"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"

# pivot_root cannot leave the initramfs (rootfs): stage 1 moves everything onto a tmpfs
# and switches to it; stage 2 runs the tests.
mkdir -p "$root/newroot"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t tmpfs -o size=1536m root /newroot
for d in /*; do
  case $d in /newroot|/proc|/sys|/dev) ;; *) /bin/busybox cp -a "$d" /newroot/ ;; esac
done
/bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev
exec /bin/busybox switch_root /newroot /init2
EOF
cat >"$root/init2" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
chmod 1777 /tmp # (already on the tmpfs root; a mount here would hide build trees under /tmp)
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# Give the children of the root cgroup every controller: the box cgroups go right below
# it (the root cgroup is exempt from the no-internal-processes rule).
for c in \$(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+\$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
done
echo "vm: kernel \$(uname -r), cgroup2 controllers: \$(cat /sys/fs/cgroup/cgroup.subtree_control)"
insmod /mod/brd.ko* rd_nr=1 rd_size=8192 2>/dev/null || echo "vm: no ramdisk (io.max skipped)"
insmod /mod/veth.ko* 2>/dev/null || echo "vm: no veth module"
ip link set lo up 2>/dev/null
export BOX_TEST_MKROOTFS=$src/tests/mkrootfs.sh LIBBOX_INIT=$build/lib/box-init
export BOX_TEST_SYSPROBE=$build/tests/sysprobe
pass=0 fail=0
run() { # NAME PROGRAM ARGS...
  name=\$1; shift
  echo "vm: === \$name"
  if "\$@" >/tmp/out 2>&1; then pass=\$((pass + 1)); r=ok; else r="FAIL (exit \$?)"; fail=\$((fail + 1)); fi
  grep -E '^\[  (FAILED|ERROR|SKIPPED) |^\[  PASSED|^\[==========\] [0-9]+ test' /tmp/out | sed 's/^/vm:   /'
  [ "\$r" = ok ] || sed 's/^/vm:   | /' /tmp/out | tail -40
  echo "vm: \$name: \$r"
}
run unit $build/tests/test_unit
run unit-priv $build/tests/test_unit_priv
for t in test_integration test_cgroup test_priv test_detach; do
  run "\$t-root" $build/tests/\$t
  run "\$t-rootless" $build/tests/\$t --rootless
done
echo "vm: ran kernel \$(uname -r) (\$(cat /proc/version | cut -d' ' -f3-))"
echo "vm: \$pass passed, \$fail failed"
poweroff -f
EOF
chmod 755 "$root/init" "$root/init2"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")

# Software emulation (TCG): it works on any host, nested virtualization or not.
log=$work/console.log
timeout 1500 qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet cgroup_no_v1=all panic=-1" </dev/null >"$log" 2>&1 || true
tr -d '\r' <"$log" | grep '^vm:' || true
summary=$(tr -d '\r' <"$log" | grep '^vm: [0-9]* passed, [0-9]* failed' || true)
[ -n "$summary" ] || { echo "vm: no result (see $log)"; exit 1; }
case $summary in *", 0 failed") exit 0 ;; *) exit 1 ;; esac
