#!/bin/sh
# boxrun --tty, --exec --tty and --join-ns end to end, as root and as nobody. script(1) (util-linux)
# gives boxrun a terminal: the box's program sees a pty of its own devpts, its size, a
# session and foreground group of its own, job control in sh -i; boxrun puts its terminal
# back when it ends, also when killed by a signal it forwards, and passes a window size
# change on. --join-ns: a network namespace the test made (rootless: with its user
# namespace). Usage: test_boxrun_tty.sh BOXRUN MKROOTFS
set -u
boxrun=$1
mkrootfs=$2
command -v script >/dev/null || { echo "SKIP: script(1) (util-linux) is missing"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: unshare(1) (util-linux) is missing"; exit 77; }
tmp=$(mktemp -d)
holder=""
trap '[ -n "$holder" ] && kill -9 $holder 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
root=$tmp/root
sh "$mkrootfs" "$root" || { echo "mkrootfs failed"; exit 1; }
out=$tmp/out
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() {
  fail=$((fail + 1))
  echo "FAIL - $1; output:"
  sed 's/^/    /' "$out"
}
# has NAME PATTERN: the output has a line matching PATTERN (extended regex).
has() { if grep -Eq -- "$2" "$out"; then ok "$1"; else bad "$1: no '$2'"; fi; }
# until_has PATTERN: wait (20 s at most) for PATTERN to show up in the output.
until_has() {
  i=0
  while [ $i -lt 200 ] && ! grep -Eq -- "$1" "$out"; do sleep 0.1; i=$((i + 1)); done
}

for who in root nobody; do
  if [ $who = nobody ]; then
    [ "$(id -u)" = 0 ] || continue
    as="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp"
  else
    as=""
    [ "$(id -u)" = 0 ] || { as=""; who=$(id -un); }
  fi
  box="$boxrun --root $root --dev /dev --proc /proc --tty"

  # The terminal: a pty of the box's devpts, the caller's size, its own session.
  $as script -qec "stty rows 33 cols 77; $box sh -c 'tty; stty size; \
set -- \$(cat /proc/\$\$/stat); echo sid=\$((\$6 == \$\$)) fg=\$((\$8 == \$5))'; echo rc=\$?" \
    /dev/null </dev/null >"$out" 2>&1
  has "$who: tty names the box's pty" '/dev/pts/0'
  has "$who: stty size is the caller's" '(^|[^0-9])33 77'
  has "$who: session and foreground group of its own" 'sid=1 fg=1'
  has "$who: exit status" 'rc=0'

  # Job control in an interactive shell: fg waits for a background job; exit status.
  printf 'set -m\nsleep 0.3 & fg\necho "fg=$((40+2))"\nexit 5\n' |
    $as script -qec "stty rows 33 cols 77; $box --setenv PS1 '$ ' sh -i; echo rc=\$?" \
      /dev/null >"$out" 2>&1
  has "$who: fg in sh -i" '(^|[^=])fg=42'
  has "$who: sh -i's exit status" 'rc=5'

  # The caller's terminal is raw while boxrun relays and cooked again after it.
  $as script -qec "stty rows 33 cols 77; $box sh -c 'echo inside'; \
stty -a | grep -Eo -- '-?icanon' | sed 's/^/after: /'" /dev/null </dev/null >"$out" 2>&1
  has "$who: terminal cooked again after boxrun" 'after: icanon'

  # A window size change reaches the box (SIGWINCH, the new size); boxrun killed by
  # SIGTERM (forwarded: the box ends) still puts the terminal back.
  $as script -qec "stty rows 33 cols 77; \
$box sh -c 'trap \"echo winch \\\$(stty size)\" WINCH; echo ready; while :; do sleep 0.1; done' \
</dev/tty & pid=\$!; \
i=0; while [ \$i -lt 200 ] && ! stty -a </dev/tty | grep -q -- -icanon; do sleep 0.1; i=\$((i+1)); done; \
stty -a </dev/tty | grep -Eo -- '-?icanon' | sed 's/^/during: /'; \
sleep 0.5; stty rows 40 cols 120 </dev/tty; sleep 1; kill -TERM \$pid; wait \$pid; echo rc=\$?; \
stty -a </dev/tty | grep -Eo -- '-?icanon' | sed 's/^/after: /'" /dev/null </dev/null >"$out" 2>&1
  has "$who: terminal raw while boxrun relays" 'during: -icanon'
  has "$who: SIGWINCH with the new size" 'winch 40 120'
  has "$who: SIGTERM ends the box" 'rc=137|rc=143'
  has "$who: terminal cooked again after SIGTERM" 'after: icanon'

  # --exec --tty: a program run in a detached box gets a pty of its own, the caller's
  # size; what is typed reaches it, and boxrun exits as it does.
  sd=$tmp/state-$who
  mkdir "$sd" && chmod 777 "$sd"
  $as $boxrun --root $root --dev /dev --proc /proc --detach --id t --state-dir "$sd" \
    sleep 100 >"$out" 2>&1
  printf 'read x; echo "got $x"; tty; stty size; exit 6\ntyped\n' |
    $as script -qec "stty rows 31 cols 71; $boxrun --state-dir $sd --exec t --tty -- sh; \
echo rc=\$?" /dev/null >"$out" 2>&1
  has "$who: --exec --tty: typed input reaches it" 'got typed'
  has "$who: --exec --tty: a pty of the box's devpts" '^/dev/pts/[0-9]'
  has "$who: --exec --tty: the caller's size" '(^|[^0-9])31 71'
  has "$who: --exec --tty: exit status" 'rc=6'
  $as $boxrun --state-dir "$sd" --destroy t >"$out" 2>&1
  has "$who: --exec --tty: the box is destroyed" '^t killed'
  rmdir "$sd"

  # --join-ns: a network namespace of a process of the test's (rootless: and its user
  # namespace, which owns it).
  if [ $who = nobody ] || [ "$(id -u)" != 0 ]; then
    $as unshare -Urn sleep 60 &
  else
    unshare -n sleep 60 &
  fi
  holder=$!
  i=0
  while [ $i -lt 100 ] && [ "$(readlink /proc/$holder/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
    sleep 0.1; i=$((i + 1))
  done
  want=$(readlink /proc/$holder/ns/net)
  join="--join-ns net:/proc/$holder/ns/net"
  usr=""
  if [ -n "$as" ] || [ "$(id -u)" != 0 ]; then usr="--join-ns user:/proc/$holder/ns/user"; fi
  $as $boxrun --root $root --proc /proc $join $usr readlink /proc/self/ns/net >"$out" 2>&1
  has "$who: --join-ns net: the namespace's own id" "^$(printf '%s' "$want" | sed 's/[][]/\\&/g')\$"
  $as $boxrun --root $root --join-ns nosuch:/x true >"$out" 2>&1
  rc=$?
  [ $rc = 125 ] && grep -q "TYPE:PATH" "$out" && ok "$who: --join-ns bad spec" ||
    bad "$who: --join-ns bad spec (exit $rc)"
  if [ -n "$usr" ]; then
    $as $boxrun --root $root $join true >"$out" 2>&1
    rc=$?
    [ $rc = 125 ] && grep -q "join net namespace /proc/$holder/ns/net" "$out" &&
      ok "$who: a netns of another user namespace alone is refused, named" ||
      bad "$who: joining another's netns without its user namespace (exit $rc)"
  fi
  kill -9 $holder 2>/dev/null
  wait $holder 2>/dev/null
  holder=""
done

echo "# $pass passed, $fail failed"
[ $fail = 0 ]
