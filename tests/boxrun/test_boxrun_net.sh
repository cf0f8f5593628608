#!/bin/sh
# boxrun's network options end to end (--net, --ip, --publish), as root and as nobody, each
# run in a network namespace of its own (unshare -n): nothing here touches the host's
# network. The pasta cases need /dev/net/tun open to nobody: as udev does on a stock Debian
# the test makes it 0666 for their duration and puts its mode back after. They also run
# boxrun as pasta's child (the "write uid_map: not dumpable" case).
# Usage: test_boxrun_net.sh BOXRUN MKROOTFS
set -u
boxrun=$(realpath "$1")
mkrootfs=$2
[ "$(id -u)" = 0 ] || { echo "skip: needs root (makes network namespaces, runs as nobody)"; exit 77; }
command -v unshare >/dev/null && command -v setpriv >/dev/null || { echo "skip: no unshare/setpriv"; exit 77; }
tmp=$(mktemp -d)
tun_mode=$(stat -c %a /dev/net/tun 2>/dev/null || echo "")
trap '[ -n "$tun_mode" ] && chmod "$tun_mode" /dev/net/tun; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=$tmp/root
sh "$mkrootfs" "$root" >/dev/null || { echo "mkrootfs failed"; exit 1; }
export LIBBOX_RUN_DIR=$tmp/run
mkdir -m 1777 "$LIBBOX_RUN_DIR" "$tmp/run-nobody"
out=$tmp/out
pass=0
fail=0
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin LIBBOX_RUN_DIR=$tmp/run-nobody"

# t NAME WANT_RC PATTERN SCRIPT: run SCRIPT with sh in a network namespace of its own
t() {
  name=$1 want=$2 pattern=$3
  unshare -n sh -c "ip link set lo up; $4" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "FAIL - $name: exit $rc (want $want), pattern '$pattern'; output:"
    sed 's/^/    /' "$out"
  fi
}

b="$boxrun --root $root --proc /proc --dev /dev"
nc="$root/bin/busybox nc"

# f NAME FILE PATTERN: FILE (written by the last command) has a line matching PATTERN.
f() {
  if grep -Eq -- "$3" "$2"; then
    pass=$((pass + 1))
    echo "ok - $1"
  else
    fail=$((fail + 1))
    echo "FAIL - $1: no line matching '$3' in:"
    sed 's/^/    /' "$2"
  fi
}
t "bridge: address, routes, name files" 0 '^b1 10\.88\.0\.7/16 fd00:88::7/64 default via 10\.88\.0\.1 dev eth0' \
  "$b --hostname b1 --net bridge=tbr0 --ip 10.88.0.7 -- sh -c 'echo \$(hostname) \$(ip -o addr show eth0 | sed -n \"s/.*inet6\\{0,1\\} \\([^ ]*\\) .*/\\1/p\" | grep -v fe80 | tr \"\\n\" \" \")\$(ip route | grep default); grep b1 /etc/hosts | head -1' && ! ip link show tbr0 2>/dev/null"
f "bridge: the hosts file names the box" "$out" '^10\.88\.0\.7	b1$'
t "bridge: two boxes" 0 '^hello$' \
  "$b --hostname srv --net bridge --subnet 10.77.0.0/24 --subnet6 none -- sh -c 'echo hello | nc -l -p 8080' &
   sleep 1; $b --hostname cli --net bridge --subnet 10.77.0.0/24 --subnet6 none -- nc 10.77.0.2 8080; wait"
t "publish on a bridge" 0 '^hi$' \
  "$b --net bridge -p 18181:8080 -- sh -c 'echo hi | nc -l -p 8080' & sleep 1; $nc 10.88.0.1 18181 </dev/null; wait"
t "--net: bad mode" 125 "--net: 'bogus' is not none, bridge" "$b --net bogus -- true"
t "--ip without bridge" 125 'need --net bridge' "$b --ip 10.88.0.5 -- true"
t "bad subnet" 125 "bad IPv4 subnet '10.0.0.1/8'" "$b --net bridge --subnet 10.0.0.1/8 -- true"
t "bridge name too long" 125 "bridge name 'abcdefghijklmnop' is too long" "$b --net bridge=abcdefghijklmnop -- true"
t "--net none: only lo" 0 '^lo$' "$b --net none -- sh -c 'ls /sys/class/net 2>/dev/null || cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d \" \"'"

if [ -z "$tun_mode" ] || ! command -v pasta >/dev/null; then
  echo "skip pasta cases: no /dev/net/tun or no pasta (Debian package passt)"
else
  tmpl="ip link add v0 type veth peer name v1; ip addr add 10.55.0.1/24 dev v0; ip link set v0 up; ip link set v1 up; ip route add default via 10.55.0.254;"
  chmod 0600 /dev/net/tun
  t "pasta: /dev/net/tun closed to nobody" 125 'pasta needs /dev/net/tun, which this caller cannot open \(mode 0600' \
    "$tmpl cd /tmp; $nobody $b --net pasta -- true"
  chmod 0666 /dev/net/tun
  t "pasta: a rootless box serves a published port" 0 '^served$' \
    "$tmpl cd /tmp; $nobody $b --net pasta -p 18182:8080 -- sh -c 'echo served | nc -l -p 8080' & sleep 1.5; $nc 127.0.0.1 18182 </dev/null; wait"
  t "pasta: boxrun as pasta's child" 0 '^inside$' \
    "$tmpl cd /tmp; $nobody pasta --config-net -t none -u none -T none -U none -- $boxrun --root $root -- echo inside"
  t "pasta missing" 125 'pasta not found' "cd /tmp; $nobody LIBBOX_PASTA=/nonexistent $b --net pasta -- true"
  chmod "$tun_mode" /dev/net/tun
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
