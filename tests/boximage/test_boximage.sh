#!/bin/sh
# boximage and boxrun --image end to end, as root and as nobody: import the test image
# (tests/mkimage.py) as an oci-archive and a docker-archive, run it with its config as
# defaults, override them, commit a run, remove everything (the store is back to an empty
# one), one-line errors; then, as root, a pull from Debian's docker-registry on 127.0.0.1
# (skopeo pushes the image, boximage pulls it back), skipped with a reason when missing.
# Usage: test_boximage.sh BOXIMAGE BOXRUN MKROOTFS MKIMAGE
set -u
boximage=$1 boxrun=$2 mkrootfs=$3 mkimage=$4
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (runs as root and as nobody)"; exit 77; }
t=$(mktemp -d /tmp/libbox-boximage-XXXXXX)
reg_pid=
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT
chmod 755 "$t"
sh "$mkrootfs" "$t/rootfs" && python3 "$mkimage" "$t/rootfs" "$t/in" || exit 1
chmod -R a+rX "$t/in"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# expect NAME WANT CMD...: the command's stdout is WANT
expect() {
  name=$1 want=$2; shift 2
  got=$("$@" 2>"$t/err")
  if [ "$got" = "$want" ]; then ok "$name"; else
    not_ok "$name"; printf '#   want: %s\n#   got:  %s\n' "$want" "$got"; sed 's/^/#   /' "$t/err"
  fi
}
# fails NAME CODE TEXT CMD...: exits CODE with one stderr line containing TEXT
fails() {
  name=$1 code=$2 text=$3; shift 3
  "$@" >/dev/null 2>"$t/err"; rc=$?
  if [ $rc = "$code" ] && [ "$(wc -l < "$t/err")" = 1 ] && grep -q -- "$text" "$t/err"; then
    ok "$name"
  else
    not_ok "$name"; echo "#   exit $rc (want $code):"; sed 's/^/#   /' "$t/err"
  fi
}

suite() { # as: "" for root, "setpriv ..." for nobody
  as=$1 who=$2 s=$t/store-$who
  mkdir -m 777 "$s.d"
  s=$s.d/s
  bi() { $as "$boximage" --store "$s" "$@"; }
  br() { $as "$boxrun" --store "$s" "$@"; }
  fails "list without a store ($who)" 1 "no image store at $s" bi list
  expect "import oci-archive ($who)" "" bi import "$t/in/oci.tar"
  expect "import docker-archive ($who)" "" bi import "$t/in/docker.tar" my/docker
  expect "list ($who)" "2" sh -c "$as '$boximage' --store '$s' list | grep -c -e 'libbox/ocitar:1' -e 'my/docker:latest'"
  expect "run: Entrypoint, Env, WorkingDir, whiteout, opaque ($who)" \
    "bar from image /work/dir no-group b" \
    br --image libbox/ocitar:1 -- 'echo $FOO $(pwd) $(test -e /etc/group || echo no-group) $(ls /opq)'
  expect "run: no program is the image's Cmd ($who)" "default cmd
/work/dir" br --image my/docker
  expect "run: options override the image's config ($who)" "mine /opq" \
    br --setenv FOO mine --chdir /opq --image libbox/ocitar:1 -- 'echo $FOO $(pwd)'
  fails "--image and --root ($who)" 125 "the root is already" br --image my/docker --root / true
  # A SIGTERM to boxrun reaches the program as the image's StopSignal (SIGUSR1).
  # (not through br: $! must be boxrun's own pid, not a subshell's)
  # SIGTERM only once the program says "ready" (its trap is set): before boxrun has spawned
  # the box it ends boxrun (143, nothing forwarded), before the trap it ends the program.
  # Waited for generously (ASan on a loaded machine), and a wait that runs out says so.
  $as "$boxrun" --store "$s" --image libbox/ocitar:1 -- 'trap "echo stopped by USR1; exit 0" USR1
    echo ready; while :; do sleep 0.1; done' >"$t/stop.out" 2>"$t/stop.err" &
  pid=$!
  for _ in $(seq 1200); do
    grep -q ready "$t/stop.out" && break
    kill -0 "$pid" 2>/dev/null || break # boxrun ended: no ready will come
    sleep 0.1
  done
  if grep -q ready "$t/stop.out"; then
    kill -TERM "$pid"; wait "$pid"
    expect "SIGTERM is sent as the image's StopSignal ($who)" "ready
stopped by USR1" cat "$t/stop.out"
  else
    kill -KILL "$pid" 2>/dev/null; wait "$pid"; rc=$?
    not_ok "SIGTERM is sent as the image's StopSignal ($who)"
    echo "#   the program never said ready (120 s, or boxrun ended: exit $rc); its output:"
    sed 's/^/#   /' "$t/stop.out"; echo "#   boxrun's stderr:"; sed 's/^/#   /' "$t/stop.err"
  fi
  fails "no such image ($who)" 125 "no image libbox/none:latest" br --image libbox/none true
  expect "commit ($who)" "my/new:1" bi commit libbox/ocitar:1 my/new:1 -- \
    'echo saved > /saved; rm /hello'
  expect "run the committed image ($who)" "saved gone" \
    br --image my/new:1 -- 'echo $(cat /saved) $(test -e /hello || echo gone)'
  expect "inspect ($who)" "1" sh -c "$as '$boximage' --store '$s' inspect my/new:1 | grep -c box_image_commit"
  fails "bad reference ($who)" 1 "bad image reference" bi import "$t/in/oci.tar" 'Bad/Ref'
  fails "hostile layer ($who)" 1 "leads outside the layer" bi import "$t/in/hostile/dotdot"
  fails "unknown command ($who)" 2 "unknown command" bi frobnicate
  expect "rm and gc ($who)" "" sh -c "$as '$boximage' --store '$s' rm libbox/ocitar:1 my/docker my/new:1 && $as '$boximage' --store '$s' gc"
  ( cd "$s" && find . | sort ) > "$t/after-$who"
  # The empty store had the first import's files: compare with a fresh store instead.
  $as "$boximage" --store "$s.fresh" import "$t/in/oci.tar" >/dev/null 2>&1
  $as "$boximage" --store "$s.fresh" rm libbox/ocitar:1 >/dev/null 2>&1
  ( cd "$s.fresh" && find . | sort ) > "$t/fresh-$who"
  if cmp -s "$t/after-$who" "$t/fresh-$who" && [ -z "$(find "$s/layers" "$s/tmp" -mindepth 1)" ]; then
    ok "the store is back to an empty one ($who)"
  else
    not_ok "the store is back to an empty one ($who)"; diff "$t/fresh-$who" "$t/after-$who" | sed 's/^/#   /'
  fi
}

suite "" root
suite "setpriv --reuid=65534 --regid=65534 --clear-groups" nobody

# Pull: push the test image to a registry on 127.0.0.1 with skopeo, pull it with boximage.
if ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null; then
  echo "ok $((n + 1)) # SKIP pull: needs docker-registry and skopeo (scripts/deps.sh)"
  n=$((n + 1))
else
  port=$((20000 + $$ % 20000))
  mkdir "$t/reg"
  cat > "$t/reg.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $t/reg
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$t/reg.yml" > "$t/reg.log" 2>&1 &
  reg_pid=$!
  for i in $(seq 50); do # until it listens
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
      2>/dev/null && break
    sleep 0.2
  done
  if skopeo copy --quiet --dest-tls-verify=false "oci:$t/in/oci:libbox/test:1" \
      "docker://127.0.0.1:$port/libbox/test:1" 2>"$t/err"; then
    ok "skopeo pushes the test image to 127.0.0.1:$port"
    s=$t/store-pull
    mkdir "$t/tmp"
    export TMPDIR=$t/tmp # boximage's copy of what skopeo fetched: gone after each pull
    expect "boximage pull" "127.0.0.1:$port/libbox/test:1" \
      "$boximage" --store "$s" pull --insecure "127.0.0.1:$port/libbox/test:1"
    expect "run the pulled image" "bar from image" \
      "$boxrun" --store "$s" --image "127.0.0.1:$port/libbox/test:1" -- 'echo $FOO'
    # (skopeo says why on a line of its own; boximage's line comes last)
    "$boximage" --store "$s" pull --insecure "127.0.0.1:$port/libbox/none:1" 2>"$t/err"
    if [ $? = 1 ] && tail -n 1 "$t/err" | grep -q "skopeo copy failed"; then
      ok "pull of a missing image"; else not_ok "pull of a missing image"; fi
    if [ -z "$(ls -A "$t/tmp")" ]; then
      ok "pull leaves no temporary directory, also when it failed"
    else
      not_ok "pull left $(ls "$t/tmp") in TMPDIR"
    fi
    unset TMPDIR
  else
    not_ok "skopeo pushes the test image to 127.0.0.1:$port"; sed 's/^/#   /' "$t/err" "$t/reg.log"
  fi
fi
echo "1..$n"
[ $failed = 0 ]
