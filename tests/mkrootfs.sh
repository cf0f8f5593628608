#!/bin/sh
# Build the small root filesystem the tests and the demo box run in: Debian's static
# busybox and a link for each of its applets. Usage: mkrootfs.sh OUTDIR
set -eu
out=$1
busybox=${BUSYBOX:-/bin/busybox}
rm -rf "$out.tmp"
mkdir -p "$out.tmp/bin" "$out.tmp/etc" "$out.tmp/tmp" "$out.tmp/proc" "$out.tmp/dev" "$out.tmp/mnt"
cp "$busybox" "$out.tmp/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$out.tmp/bin/$applet"
done
ln -s bin "$out.tmp/sbin"
echo 'root:x:0:0:root:/:/bin/sh' > "$out.tmp/etc/passwd"
echo 'root:x:0:' > "$out.tmp/etc/group"
chmod -R a+rX "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
