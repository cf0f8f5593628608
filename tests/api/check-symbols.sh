#!/bin/sh
# The library exports exactly the symbols of its version script, all named box_*.
set -eu
lib=$1 map=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' | sed 's/@.*//' | sort -u)
listed=$(sed -n 's/^ *\(box_[a-z0-9_]*\);$/\1/p' "$map" | sort -u)
if [ "$exported" != "$listed" ]; then
  echo "exported and listed symbols differ:"; diff -u "$(printf '%s\n' "$listed" > /tmp/listed.$$; echo /tmp/listed.$$)" - <<EOT || true
$exported
EOT
  rm -f /tmp/listed.$$
  exit 1
fi
echo "$(printf '%s\n' "$exported" | wc -l) symbols exported, all box_*"
