#!/bin/sh
# Check that every function exported in libbox.sym is named on the NAME line of some
# section-3 man page source (doc/*.3.scd), and that "man NAME" finds it: NAME.3.scd
# exists or doc/meson.build makes a .so alias for it. Usage: check-man.sh LIBBOX_SYM DOC_DIR
# Prints each exported symbol without a page and exits 1 if there is any.
set -eu
sym=$1
dir=$2

[ -r "$sym" ] || { echo "check-man: cannot read $sym" >&2; exit 2; }

# Names on the NAME lines: the first non-empty line after "# NAME", up to " - ".
names=$(for f in "$dir"/*.3.scd; do
  [ -e "$f" ] || continue
  awk '/^# NAME/ { n = 1; next } n && NF { sub(/ - .*/, ""); print; exit }' "$f"
done | tr ',' '\n' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | sort -u)

# Exported names: "name;" lines inside the global: part of each version node.
exported=$(sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);[[:space:]]*$/\1/p' "$sym" | sort -u)

[ -n "$exported" ] || { echo "check-man: no symbols found in $sym" >&2; exit 2; }

missing=0
total=0
for s in $exported; do
  total=$((total + 1))
  if ! printf '%s\n' "$names" | grep -qx "$s"; then
    echo "check-man: $s has no man page (no doc/*.3.scd lists it on its NAME line)"
    missing=$((missing + 1))
  elif [ ! -e "$dir/$s.3.scd" ] && ! grep -q "'$s':" "$dir/meson.build"; then
    # "man box_free" must find a page: its own, or a .so alias made by doc/meson.build
    echo "check-man: $s is on a NAME line but has no alias page in doc/meson.build"
    missing=$((missing + 1))
  fi
done
if [ "$missing" -gt 0 ]; then
  echo "check-man: $missing of $total exported functions lack a page"
  exit 1
fi
echo "check-man: all $total exported functions have a page"
