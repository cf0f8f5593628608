#!/bin/bash
# Optional (not part of CI's pass/fail): bubblewrap's own test suite against boxrun's
# bubblewrap personality, next to Debian's bwrap on the same machine.
#
# Usage: scripts/bwrap-suite.sh BUILD_DIR [BWRAP...]
#
# The suite is not in this repository (its license and ours differ): it is fetched at run
# time with apt-get source bubblewrap (Debian's package, which ships tests/), through a
# private apt configuration under a temporary directory, so the machine's sources.list is
# not touched. Then, for bwrap-libbox from BUILD_DIR and each BWRAP given (default:
# /usr/bin/bwrap when installed), it runs tests/test-run.sh,
# test-specifying-userns.sh, test-specifying-pidns.sh and test-seccomp.py (each unittest
# case a test; it skips itself without Debian's python3-seccomp) and prints one TAP line
# per test and the counts. KEEP=1 keeps the work directory with every log.
#
# LIBBOX_BWRAP_SUITE_DIST=trixie (or sid) takes the suite of that Debian release's source
# package instead of this machine's (bookworm: bubblewrap 0.8.0; trixie: 0.12.0; sid: a
# newer one): the newer upstream tests, including test-sandbox.py. No Debian release
# carries 0.11.1 itself. Only the upstream tarball is needed (the mirror may lack the
# .dsc of a point-release update; then the tarball alone is used, and the script says so).
#
# LIBBOX_BWRAP_SUITE_SRC=DIR runs the suite of an unpacked bubblewrap source tree instead
# (DIR/tests; copied first, DIR itself is left alone), with no apt-get. Bubblewrap 0.11.1's
# suite is 0.11.0's: Debian's pool still has bubblewrap_0.11.0.orig.tar.xz
# (http://deb.debian.org/debian/pool/main/b/bubblewrap/), and the tests/ of 0.11.0 and of
# 0.12.0 differ only by 0.12's own changes (the GHSA-pxhw-h44j-8pfx refusal dropped "can
# bind a destination over a symlink", --not-a-security-boundary, test-sandbox.py) and
# license headers, none of them in 0.11.1's NEWS; the 0.11.0 suite gives the issue's
# numbers (68 tests not skipped; Debian's bwrap 0.8 59/9/9 as root).
#
# LIBBOX_BWRAP_SUITE_BUILD=1 also builds bwrap itself from that tarball or DIR (meson;
# libcap-dev, installed with apt-get when missing and root) and runs the suite against it:
# the reference for "what bwrap passes on this machine" (Debian's patches not applied).
#
# test-run.sh stops at its first failure (set -e). To count every test, the copy we run is
# rewritten on the fly: no set -e, fatal() marks the current test failed instead of
# exiting, and each `echo "ok ...` reports "not ok" when a command of that test failed.
# Skips are the suite's own ("ok ... # SKIP ...").
#
# Measured 2026-12-02 19:10 UTC on this project's Debian 12 host, with python3-seccomp
# installed (test-seccomp.py runs: 6 cases) and LIBBOX_BWRAP_SUITE_BUILD=1
# (passed/failed/skipped; README.md):
#   0.11 suite (LIBBOX_BWRAP_SUITE_SRC=bubblewrap-0.11.0; bwrap 0.12.0 built from trixie's
#                 tarball given as a BWRAP): bwrap-libbox root 68/0/9, nobody 72/0/5;
#                 bwrap 0.11.0 built 68/0/9, 72/0/5; bwrap 0.12.0 built 64/4/9, 68/4/5
#                 (the four "can bind a destination over a symlink"); Debian's bwrap 0.8
#                 59/9/9, 63/9/5 (newer features: --symlink checks, argv0, --level-prefix,
#                 the overlay options)
#   0.8.0 suite:  bwrap-libbox root 56/1/9, nobody 61/0/5; Debian's bwrap 56/1/9, 61/0/5
#                 (bwrap 0.8.0 built, at 15:05: 56/1/9, 61/0/5)
#   0.12.0 suite: bwrap-libbox root 127/6/9, nobody 131/6/5; bwrap 0.12.0 built 130/3/9,
#                 133/3/6; Debian's bwrap 0.8 110/21/11, 113/21/8
# Every test bwrap 0.11 passes here passes with bwrap-libbox. Of those bwrap 0.12 passes,
# all but three: *_to_symlink_dest_fails (0.12's refusal, which 0.11's suite tests the
# opposite of); bwrap 0.12 fails test_tmpfs* too. Skips (the environment): no FUSE mount
# (4), nothing unreadable to root (4, root only), /dev/log not a socket (1); as nobody
# bwrap 0.12 also skips test_mqueue. Each failure of bwrap-libbox that is left has its
# reason in known() below.
set -u
build=${1:?usage: bwrap-suite.sh BUILD_DIR [BWRAP...]}
shift
build=$(cd "$build" && pwd)
personality=$build/examples/bwrap-libbox
[ -x "$personality" ] || { echo "bwrap-suite: no $personality (build first)"; exit 2; }
export LIBBOX_INIT=$build/lib/box-init
bwraps=("$personality")
if [ $# -gt 0 ]; then
  bwraps+=("$@")
elif [ -x /usr/bin/bwrap ]; then
  bwraps+=(/usr/bin/bwrap)
fi

# Not below /tmp: the suites' boxes put a tmpfs there, over their own helpers
# (test-sandbox.py runs sandbox_helper.py in the box).
work=$(mktemp -d -p /var/tmp)
[ -n "${KEEP:-}" ] && echo "# work directory (kept): $work"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

mkdir -p "$work/src"
if [ -n "${LIBBOX_BWRAP_SUITE_SRC:-}" ]; then
  # A bubblewrap source tree given by the caller (its tests/, and meson.build for
  # LIBBOX_BWRAP_SUITE_BUILD=1), copied so that the chmods below leave it alone.
  src=$(cd "$LIBBOX_BWRAP_SUITE_SRC" && pwd) || exit 2
  [ -f "$src/tests/test-run.sh" ] || { echo "bwrap-suite: no $src/tests/test-run.sh"; exit 2; }
  cp -a "$src" "$work/src/bubblewrap-$(basename "$src")"
  suite=$(echo "$work"/src/bubblewrap-*/tests)
  echo "# suite: $src (LIBBOX_BWRAP_SUITE_SRC)"
else
  # A private apt configuration with the deb-src line this release needs.
  . /etc/os-release
  uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
        grep -v security | head -n1)
  uri=${uri:-http://deb.debian.org/debian}
  mkdir -p "$work/apt/lists/partial"
  dist=${LIBBOX_BWRAP_SUITE_DIST:-${VERSION_CODENAME:?}}
  printf 'deb-src %s %s main\n' "$uri" "$dist" >"$work/apt/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
            -o "Dir::State::Lists=$work/apt/lists")
  if ! apt-get "${apt_opts[@]}" -qq update >"$work/apt.log" 2>&1 ||
     ! (cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only bubblewrap \
          >>"$work/apt.log" 2>&1); then
    if ! ls "$work"/src/bubblewrap_*.orig.tar.* >/dev/null 2>&1; then
      echo "bwrap-suite: SKIP: apt-get source bubblewrap ($dist) failed:"
      sed 's/^/  /' "$work/apt.log"
      exit 77
    fi
    echo "# apt-get source bubblewrap ($dist) fetched only the upstream tarball (used alone):"
    sed 's/^/#   /' "$work/apt.log"
  fi
  tar -C "$work/src" -xf "$work"/src/bubblewrap_*.orig.tar.*
  suite=$(echo "$work"/src/bubblewrap-*/tests)
  echo "# suite: $(basename "$(dirname "$suite")") (Debian's source package)"
fi

# LIBBOX_BWRAP_SUITE_BUILD=1: bwrap itself, built with meson from the same tarball (the
# upstream release whose suite this is; Debian's patches are not applied), is run too: the
# reference for which of this suite's tests bwrap passes on this machine.
if [ -n "${LIBBOX_BWRAP_SUITE_BUILD:-}" ]; then
  if ! pkg-config --exists libcap; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get -qq install -y libcap-dev >"$work/deps.log" 2>&1
    fi
    pkg-config --exists libcap || { echo "bwrap-suite: SKIP: building bwrap needs libcap-dev"; exit 77; }
  fi
  if ! meson setup "$work/bwrap-build" "$(dirname "$suite")" -Dman=disabled -Dselinux=disabled \
         -Dtests=false -Dbash_completion=disabled -Dzsh_completion=disabled \
         >"$work/bwrap-build.log" 2>&1 ||
     ! ninja -C "$work/bwrap-build" bwrap >>"$work/bwrap-build.log" 2>&1; then
    echo "bwrap-suite: cannot build bwrap:"
    sed 's/^/  /' "$work/bwrap-build.log"
    exit 2
  fi
  chmod -R a+rX "$work/bwrap-build"
  bwraps+=("$work/bwrap-build/bwrap")
  echo "# built: $("$work/bwrap-build/bwrap" --version)"
fi

python=/usr/bin/python3 # Debian's, which has python3-seccomp
[ -x "$python" ] || python=python3

# try-syscall, which test-seccomp.py drives; test-seccomp.py skips itself without the
# Python seccomp module (python3-seccomp).
cc -o "$suite/try-syscall" "$suite/try-syscall.c" 2>/dev/null ||
  echo "# cannot build try-syscall: test-seccomp.py will fail"
# (test-utils.c of newer suites is a unit test of bwrap's own utils.c, not of a bwrap
# binary: not run.)
# Debian's python3 first in PATH too: the suites run "python3" inside their boxes.
export PATH=/usr/bin:/bin:$PATH

# Failures that are understood, with the reason (printed under the failure as "# known:";
# they are still counted as failed).
known() {
  case $1 in
    *"to_symlink_dest_fails"*)
      echo "bubblewrap 0.12 refuses a mount onto a symbolic link (with its fix for" \
        "GHSA-pxhw-h44j-8pfx; 0.12's suite dropped 0.11's test of the opposite);" \
        "bwrap-libbox is 0.11, which binds where the link points: 0.8's and 0.11's" \
        "test-run.sh check 'can bind a destination over a symlink' (4 cases) with the" \
        "same command line, which this refusal would fail; --nofollow before the mount" \
        "gives 0.12's refusal (tests/boxrun/test_bwrap.sh)" ;;
    *"test_tmpfs"*)
      echo "the suite's own bug, with any bwrap (bwrap 0.12 built from this tarball" \
        "too): _statfs_type() hands statfs(2) a 16-byte struct (f_type, f_bsize) where" \
        "glibc's struct statfs is 120 bytes, so python3 corrupts its heap and dies of" \
        "SIGSEGV in the sandbox helper ('sandbox helper closed connection'); the same" \
        "call outside any sandbox crashes Debian 12's python3 too" ;;
    *"can disable nested userns"*)
      [ "$2" = root ] && echo "0.8.0's test, failed by bwrap 0.8.0 built here and Debian's" \
        "bwrap too: run as root, the inner '\$BWRAP --dev-bind / / true' is uid 0 of the" \
        "outer box and needs no user namespace, so it works where the test wants it" \
        "refused; the test's fix (--unshare-user there: Debian's patch, upstream's later" \
        "suites, 0.12's included) is not in the tarball" ;;
  esac
}

# The rewrite that makes a shell test count every test instead of stopping at the first.
counting() {
  sed -e 's/^set -xeuo pipefail$/set -xuo pipefail/' \
      -e 's|^\. "\{0,1\}\${srcd}/libtest\.sh"\{0,1\}$|. "${srcd}/libtest.sh"; set +e; trap "tap_failed=1" ERR; tap_failed=0\
fatal() { echo "# failed: $*" >\&2; tap_failed=1; return 1; }\
tap_ok() { if [ "$tap_failed" = 1 ]; then echo "not $1"; else echo "$1"; fi; tap_failed=0; }|' \
      -e 's/^\([[:space:]]*\)echo "ok/\1tap_ok "ok/' \
      -e 's/^    echo ok \$test_count "\$@"$/    if [ "$tap_failed" = 1 ]; then echo not ok $test_count "$@"; else echo ok $test_count "$@"; fi; tap_failed=0/' "$1"
}

# As root, and (when root can) again as nobody: bwrap's suite takes other paths for a
# caller that is not root (no caps, a user namespace always).
idents=("")
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  idents+=("setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent")
  chmod 755 "$work" "$work/src"
  chmod -R a+rwX "$suite"
fi
for as in "${idents[@]}"; do
for bw in "${bwraps[@]}"; do
  pass=0 fail=0 skip=0
  who=$([ -n "$as" ] && echo nobody || id -un)
  echo "# ---- $bw as $who"
  for t in test-run.sh test-specifying-userns.sh test-specifying-pidns.sh test-seccomp.py \
           test-sandbox.py; do
    [ -e "$suite/$t" ] || continue
    tag=$(printf %s "$bw" | tr / _) # /usr/bin/bwrap and a built bwrap apart
    log=$work/$who-$tag-$t.log
    if [ "${t%.sh}" != "$t" ]; then
      counting "$suite/$t" >"$suite/counting-$t"
      (cd "$suite" && BWRAP=$bw timeout 600 $as bash "./counting-$t") >"$log" 2>"$log.err" </dev/null
    else
      (cd "$suite" && BWRAP=$bw timeout 600 $as "$python" "./$t") >"$log" 2>"$log.err" </dev/null
      # Count unittest's cases (its summary on stderr), each a test: the failed ones by
      # name, the rest passed or skipped.
      ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$log.err")
      if [ -n "$ran" ]; then
        skipped=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' "$log.err" | tail -n1)
        {
          sed -n 's/^\(FAIL\|ERROR\): \(test_[a-z_0-9]*\).*/not ok - \2/p' "$log.err"
          k=$(grep -cE '^(FAIL|ERROR): test_' "$log.err")
          for i in $(seq $((ran - k - ${skipped:-0}))); do echo "ok - case $i"; done
          for i in $(seq "${skipped:-0}"); do echo "ok - case # SKIP"; done
        } >"$log"
      fi
    fi
    # A script that stops before its plan ("1..N") is complete: the rest count as failed.
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n1)
    reported=$(grep -cE '^(not )?ok' "$log")
    if [ -n "$planned" ] && [ "$reported" -lt "$planned" ] && ! grep -q '^1\.\.0' "$log"; then
      for i in $(seq $((planned - reported))); do
        echo "not ok - (stopped before this test; see $(basename "$log").err)"
      done >>"$log"
    fi
    while IFS= read -r line; do
      case $line in
        "not ok"*)
          fail=$((fail + 1))
          echo "$t: $line"
          why=$(known "$line" "$who")
          [ -n "$why" ] && echo "#   known: $why" ;;
        ok*"# SKIP"* | ok*"# skip"*) skip=$((skip + 1)); echo "$t: $line" ;;
        ok*) pass=$((pass + 1)); echo "$t: $line" ;;
        "1..0 # SKIP"*) skip=$((skip + 1)); echo "$t: $line" ;;
      esac
    done <"$log"
  done
  echo "# $bw as $who: $pass passed, $fail failed, $skip skipped"
  printf '%s\t%s\t%d\t%d\t%d\n' "$bw" "$who" "$pass" "$fail" "$skip" >>"$work/summary"
done
done
echo "# bwrap	as	passed	failed	skipped"
sed 's/^/# /' "$work/summary"
