#!/bin/sh
# Run the C test suites (unit, integration, cgroup, privilege, detach, exec, contract, net,
# and overlay and image where the kernel allows; as root and as nobody; boxoci, and
# containerd driving boxoci) on a
# pure cgroup v2 host: Debian's own kernel booted under qemu with cgroup_no_v1=all, the
# built test programs and their libraries in an initramfs, busybox as /init's shell (and
# the host's nft and dynamically linked true, which the suites use). This
# exercises the v2 controller paths (subtree_control, memory.max, cpu.max, io.max,
# memory.peak, memory.events, clone3 into the box cgroup for every controller) on any
# machine, hybrid or not. Needs root (apt-get) and a build directory; prints the suites'
# results and ends with "vm: N passed, M failed". Usage: test-cgroup2-vm.sh [BUILD_DIR]
# (LIBBOX_VM_DIST and LIBBOX_VM_SUITES: below; BOX_TEST_ONLY=GLOB is passed to the
# cmocka suites in the VM).
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
build=$(cd "${1:-build}" && pwd)
work=$build/cgroup2-vm
export DEBIAN_FRONTEND=noninteractive

# qemu, and a Debian kernel image unpacked (not installed: nothing on this host changes).
# The kernel is trixie's (Debian 13, Linux 6.12) by default: the overlay and image suites
# need tmpfs with user.* xattrs (Linux 6.6), which bookworm's 6.1 lacks.
# LIBBOX_VM_DIST=bookworm boots Debian 12's own 6.1 instead (those two suites then skip).
# The package comes through a private apt configuration under the work directory, so the
# machine's sources.list is not touched. The kernel is pinned, so that a new Debian kernel
# release cannot silently change what this stage proves. Debian keeps each ABI as its own
# package for a while; when the pinned one is gone, the newest is used and the run says so
# loudly: then move the pin.
dist=${LIBBOX_VM_DIST:-trixie}
case $dist in
trixie) pinned=linux-image-6.12.117+deb13-amd64 ;;
bookworm) pinned=linux-image-6.1.0-57-amd64 ;;
*) echo "vm: LIBBOX_VM_DIST=$dist: trixie or bookworm" >&2; exit 2 ;;
esac
command -v qemu-system-x86_64 >/dev/null ||
  apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
mkdir -p "$work"
if ! grep -qs "^$pinned " "$work/kernel.pkg" || ! ls "$work"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
  rm -rf "$work/kernel" "$work/apt" "$work"/linux-image-*.deb "$work/kernel.pkg"
  uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
        grep -v security | head -n 1)
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache"
  printf 'deb %s %s main\n' "${uri:-http://deb.debian.org/debian}" "$dist" >"$work/apt/sources.list"
  apt() { # apt-get or apt-cache with the private configuration
    "$@" -o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent" \
      -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
  }
  apt apt-get -qq update >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
  pkg=$pinned
  if ! (cd "$work" && apt apt-get download "$pkg" >>"$work/apt.log" 2>&1); then
    pkg=$(apt apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    echo "vm: WARNING: the pinned kernel $pinned is not in $dist any more; using $pkg" \
      "(update \$pinned in scripts/test-cgroup2-vm.sh)"
    (cd "$work" && apt apt-get download "$pkg" >>"$work/apt.log" 2>&1) ||
      { cat "$work/apt.log"; exit 1; }
  fi
  dpkg -x "$work"/linux-image-*.deb "$work/kernel"
  echo "$pkg $(dpkg-deb -f "$work"/linux-image-*.deb Version)" >"$work/kernel.pkg"
  rm -rf "$work"/linux-image-*.deb "$work/apt"
fi
kernel=$(ls "$work"/kernel/boot/vmlinuz-* | head -n 1)
kver=${kernel##*/vmlinuz-}
echo "vm: kernel package $(cat "$work/kernel.pkg") from $dist (pinned: $pinned)"

# LIBBOX_VM_SUITES="test_image ..." runs only those integration suites (and not the unit
# ones): for working on one of them.
only=${LIBBOX_VM_SUITES:-}
suites=${only:-test_integration test_cgroup test_priv test_detach test_exec test_contract test_net
                test_overlay test_image boxoci containerd}
suites=$(echo $suites)

# The initramfs: the test programs at their build paths (they hold absolute paths), every
# shared library they load, busybox, and modules: a ramdisk (io.max), veth and bridge,
# overlay, nftables' NAT and fib (box_net_bridge, published ports), tun (pasta).
root=$work/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc" "$root/mod"
cp /bin/busybox "$root/bin/busybox"
copy() { # FILE DEST: a program and the shared libraries it loads
  mkdir -p "$root$(dirname "$2")"
  cp "$1" "$root$2"
  ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' |
    while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
}
progs="tests/test_unit tests/test_unit_priv tests/test_integration tests/test_cgroup
       tests/test_priv tests/test_detach tests/test_exec tests/test_overlay tests/test_image
       tests/test_contract tests/test_net tests/sysprobe lib/box-init"
for p in $progs; do
  copy "$build/$p" "$build/$p"
done
# Host programs the suites use, in /bin before busybox installs its applets there (it
# keeps what exists; its shell runs its own applets whatever PATH says, so only non-applets
# and copied files count): nft (net: libbox's tables), true (contract: a program whose ELF
# interpreter a bare root lacks). The net cases whose boxes run the host's python3 skip.
for p in "$(command -v nft || true)" /bin/true; do # (true: not the shell's builtin)
  [ ! -x "$p" ] || copy "$p" "/bin/${p##*/}"
done
mkdir -p "$root$src/tests"
cp "$src/tests/mkrootfs.sh" "$root$src/tests/"
# boxoci (LIBBOX_VM_SUITES=boxoci): the runtime, tests/boxoci/test_boxoci.sh with its
# helpers, and what the script runs besides busybox: python3 (it edits each config.json
# with it), util-linux's setpriv (busybox's has no --reuid), podman's seccomp profile.
# Of python only the modules the script's calls import (and their compiled .pyc: nobody
# cannot write them, and compiling under TCG costs more than the test), 4 MB, not 50.
# That python3 is at /usr/bin/python3, where the net suite's boxes would run it with the
# full library: they skip (LIBBOX_TEST_NO_BOX_PYTHON), as where there is no python.
case " $suites " in
*" boxoci "*|*" containerd "*)
  copy "$build/examples/boxoci" "$build/examples/boxoci"
  mkdir -p "$root$src/tests/boxoci" ;;
esac
no_box_python=
case " $suites " in
*" boxoci "*)
  no_box_python="export LIBBOX_TEST_NO_BOX_PYTHON=1"
  cp "$src/tests/boxoci/test_boxoci.sh" "$src/tests/boxoci/console-socket.py" \
    "$src/tests/boxoci/podman-seccomp.py" "$root$src/tests/boxoci/"
  copy /usr/bin/setpriv /bin/setpriv
  py=$(readlink -f /usr/bin/python3)
  copy "$py" "$py"
  ln -sf "${py##*/}" "$root/usr/bin/python3"
  /usr/bin/python3 -S -c '
import importlib.util, sys
sys.argv = ["x"]
import site, json, json.tool, os, select, socket, time, runpy, argparse
argparse.ArgumentParser(prog="x").parse_args([]) # (its lazy imports: gettext, locale)
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f:
        print(f)
        c = importlib.util.cache_from_source(f) if f.endswith(".py") else None
        if c:
            print(c)
' | while read -r f; do
    [ -e "$f" ] || continue
    case $f in
    *.so) copy "$f" "$f" ;;
    *) mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f" ;;
    esac
  done
  # (the landmark by which python finds its prefix)
  pylib=$(/usr/bin/python3 -c 'import os; print(os.path.dirname(os.__file__))')
  cp "$pylib/os.py" "$root$pylib/"
  if [ -r /usr/share/containers/seccomp.json ]; then
    mkdir -p "$root/usr/share/containers"
    cp /usr/share/containers/seccomp.json "$root/usr/share/containers/"
  fi
  ;;
esac
# containerd (LIBBOX_VM_SUITES=containerd): tests/boxoci/test_containerd.sh drives boxoci
# with Debian's containerd 1.6, ctr and its runc shim (dynamically linked Go programs: copy
# brings their libc), and util-linux's script(1) for a terminal; the rest is busybox (the
# image archive is made with sha256sum, printf and tar). 83 MB more in the initramfs.
case " $suites " in
*" containerd "*)
  for p in containerd ctr containerd-shim-runc-v2 script; do
    f=$(command -v $p) || { echo "vm: the containerd suite needs $p (apt-get install containerd util-linux)" >&2; exit 1; }
    copy "$f" "/usr/bin/$p"
  done
  cp "$src/tests/boxoci/test_containerd.sh" "$src/tests/boxoci/engines-lib.sh" \
    "$root$src/tests/boxoci/"
  ;;
esac
# The image suite's test images, made here (the VM has no python) from the same busybox
# that mkrootfs.sh puts in the VM's test root.
sh "$src/tests/mkrootfs.sh" "$work/images-rootfs"
python3 "$src/tests/mkimage.py" "$work/images-rootfs" "$root/images" >/dev/null
chmod -R a+rX "$root/images"
rm -rf "$work/images-rootfs"
# Modules in load order: each one after the modules its .modinfo "depends=" names (read
# with objcopy: no kmod on the host needed). They are unpacked here (trixie ships them
# xz-compressed, and busybox's insmod loads only plain ones).
moddir=$(ls -d "$work"/kernel/lib/modules/$kver "$work"/kernel/usr/lib/modules/$kver 2>/dev/null | head -n 1)
unpack_module() { # FILE: into $root/mod, as NAME.ko
  local out=$root/mod/${1##*/}
  out=${out%.xz}
  case $1 in
  *.ko.xz) xz -dc "$1" >"$out" ;;
  *.ko) cp "$1" "$out" ;;
  *) echo "vm: $1: a compression this script cannot unpack" >&2; return 1 ;;
  esac
  echo "$out"
}
added=
add_module() { # NAME
  local f d m
  case " $added " in *" $1 "*) return ;; esac
  added="$added $1"
  f=$(find "$moddir" -name "$1.ko*" -o -name "$(echo "$1" | tr _ -).ko*" | head -n 1)
  [ -n "$f" ] || { echo "vm: no module $1 in $kver"; return 0; }
  m=$(unpack_module "$f")
  objcopy -O binary --only-section=.modinfo "$m" "$work/modinfo"
  for d in $(tr '\0' '\n' <"$work/modinfo" | sed -n 's/^depends=//p' | tr ',' ' '); do
    add_module "$d"
  done
  echo "${m##*/}" >>"$root/mod/order"
}
unpack_module "$(find "$moddir" -name "brd.ko*" | head -n 1)" >/dev/null
: >"$root/mod/order"
# (crc32c_generic first: libcrc32c, under nf_tables, only names it as a soft dependency)
for m in veth bridge overlay tun crc32c_generic nft_chain_nat nft_masq nft_nat nft_fib_inet; do
  add_module "$m"
done
rm -f "$work/modinfo"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
  >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

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
insmod /mod/brd.ko rd_nr=1 rd_size=8192 2>/dev/null || echo "vm: no ramdisk (io.max skipped)"
for m in \$(cat /mod/order); do insmod /mod/\$m 2>/dev/null || echo "vm: module \$m: not loaded"; done
ip link set lo up 2>/dev/null
export BOX_TEST_MKROOTFS=$src/tests/mkrootfs.sh LIBBOX_INIT=$build/lib/box-init
export BOX_TEST_SYSPROBE=$build/tests/sysprobe BOX_TEST_IMAGES=/images
${BOX_TEST_ONLY:+export BOX_TEST_ONLY="$BOX_TEST_ONLY"}
${BOXOCI_TEST_MODES:+export BOXOCI_TEST_MODES="$BOXOCI_TEST_MODES"}
$no_box_python
pass=0 fail=0 skipped=0
run() { # NAME PROGRAM ARGS...
  name=\$1; shift
  echo "vm: === \$name"
  start=\$(date +%s)
  "\$@" >/tmp/out 2>&1; rc=\$?
  case \$rc in
  0) pass=\$((pass + 1)); r=ok ;;
  77) skipped=\$((skipped + 1)); r="skipped: \$(tail -n 1 /tmp/out)" ;;
  *) r="FAIL (exit \$rc)"; fail=\$((fail + 1)) ;;
  esac
  # (cmocka's summary; a script's notes ("# ") and failures with the output each printed,
  # indented)
  awk '/^# |^\[  (FAILED|ERROR|SKIPPED) |^\[  PASSED|^\[==========\] [0-9]+ test|^SKIP |^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?\$/ { print; n = 0; next }
       /^FAIL / { print; n = 10; next } n > 0 && /^    / { print; n--; next } { n = 0 }' /tmp/out |
    sed 's/^/vm:   /'
  [ \$rc = 0 ] || [ \$rc = 77 ] || sed 's/^/vm:   | /' /tmp/out | tail -40
  echo "vm: \$name: \$r (\$((\$(date +%s) - start)) s)"
}
[ -n "$only" ] || run unit $build/tests/test_unit
[ -n "$only" ] || run unit-priv $build/tests/test_unit_priv
# Overlay layers and the image store mark opaque directories with user.* xattrs, which
# tmpfs (the VM's root and /tmp) has only from Linux 6.6 on.
kv=\$(uname -r | cut -d- -f1)
user_xattr_tmpfs=\$([ "\${kv%%.*}" -gt 6 ] || { [ "\${kv%%.*}" -eq 6 ] &&
                     [ "\$(echo \$kv | cut -d. -f2)" -ge 6 ]; } && echo yes || echo no)
for t in $suites; do
  case \$t:\$user_xattr_tmpfs in
  test_overlay:no|test_image:no)
    echo "vm: \$t: skipped: kernel \$kv's tmpfs has no user.* xattrs (Linux 6.6), which its" \
      "overlay layers need"
    skipped=\$((skipped + 2))
    continue ;;
  esac
  if [ \$t = boxoci ]; then
    oci="sh $src/tests/boxoci/test_boxoci.sh $build/examples/boxoci $src/tests/mkrootfs.sh"
    case " \${BOXOCI_TEST_MODES:-root rootless} " in *" root "*)
      run boxoci-root env BOXOCI_TEST_MODES=root \$oci ;;
    esac
    # Rootless as in a systemd user session (user@.service has Delegate=yes): a cgroup
    # given to nobody (the directory and its cgroup.procs, cgroup.subtree_control and
    # cgroup.threads), the script in a cgroup of nobody's below it; its containers with
    # resources get a cgroupsPath below the delegated one (BOXOCI_TEST_CGROUP).
    d=/sys/fs/cgroup/boxoci-nobody
    mkdir -p \$d/shell
    for c in \$d \$d/shell; do
      chown nobody:nogroup \$c \$c/cgroup.procs \$c/cgroup.subtree_control \$c/cgroup.threads
    done
    case " \${BOXOCI_TEST_MODES:-root rootless} " in *" rootless "*)
      run boxoci-rootless sh -c "echo \\\$\\\$ >\$d/shell/cgroup.procs &&
        BOXOCI_TEST_MODES=rootless BOXOCI_TEST_CGROUP=/boxoci-nobody exec \$oci" ;;
    esac
    continue
  fi
  if [ \$t = containerd ]; then
    # (a devpts for ctr -t and script(1); only here, so that the other suites see the
    # VM they always saw)
    mkdir -p /dev/pts /run
    mountpoint -q /dev/pts || mount -t devpts -o ptmxmode=0666 devpts /dev/pts
    run containerd-root sh $src/tests/boxoci/test_containerd.sh $build/examples/boxoci \
      $src/tests/mkrootfs.sh
    continue
  fi
  run "\$t-root" $build/tests/\$t
  run "\$t-rootless" $build/tests/\$t --rootless
done
echo "vm: ran kernel \$(uname -r) (\$(cat /proc/version | cut -d' ' -f3-))"
echo "vm: \$skipped suites skipped"
echo "vm: \$pass passed, \$fail failed"
poweroff -f
EOF
chmod 755 "$root/init" "$root/init2"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")

# Software emulation (TCG): it works on any host, nested virtualization or not.
# The guest kernel oopses now and then under TCG with two vCPUs ("Oops: int3" in the
# middle of an unrelated function: the emulator and the kernel's live code patching), a
# kernel panic that is no test's result: then the whole run is booted once more.
log=$work/console.log
for boot in 1 2; do
  timeout 1500 qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 quiet cgroup_no_v1=all panic=-1" </dev/null >"$log" 2>&1 || true
  grep -q 'Kernel panic' "$log" && ! grep -q '^vm: [0-9]* passed, [0-9]* failed' "$log" ||
    break
  [ $boot = 2 ] || { cp "$log" "$log.panic"; echo "vm: the guest kernel panicked (kept in" \
    "$log.panic): booting again"; }
done
tr -d '\r' <"$log" | grep '^vm:' || true
summary=$(tr -d '\r' <"$log" | grep '^vm: [0-9]* passed, [0-9]* failed' || true)
[ -n "$summary" ] || { echo "vm: no result (see $log)"; exit 1; }
case $summary in *", 0 failed") exit 0 ;; *) exit 1 ;; esac
