#!/bin/sh
# Run boxoci's config.json unit tests, with podman's default seccomp profile (generated from
# containers-common's, see podman-seccomp.py) when the distribution has it.
# Usage: run-unit.sh TEST_BINARY
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ -r /usr/share/containers/seccomp.json ] && command -v python3 >/dev/null; then
  python3 "$here/podman-seccomp.py" /usr/share/containers/seccomp.json "$dir"
  export BOXOCI_TEST_PODMAN_CONFIG="$dir/config.json"
else
  echo "no /usr/share/containers/seccomp.json (golang-github-containers-common):" \
       "test_podman_profile is skipped"
fi
"$bin"
