"""Print where `meson install` puts the libbox package for this interpreter under PREFIX:
the interpreter's own site directory, one on its sys.path. Usage: python site-dir.py PREFIX

A venv interpreter installs into the venv (whatever the prefix). Otherwise the first
directory of the interpreter's site path below PREFIX (Debian: /usr/local/lib/python3.X/
dist-packages for /usr/local, where Debian's patched meson would pick
lib/python3/dist-packages, which is on no sys.path); for a prefix outside its path, the
standard PREFIX/lib/python3.X/site-packages (then the interpreter needs PYTHONPATH).
"""
import os
import site
import sys
import sysconfig

prefix = os.path.abspath(sys.argv[1])
if sys.prefix != sys.base_prefix:
    print(sysconfig.get_paths()["purelib"])
    sys.exit(0)
for d in [*site.getsitepackages(), *sys.path]:
    if d and os.path.commonpath([os.path.abspath(d), prefix]) == prefix and \
            os.path.basename(d) in ("site-packages", "dist-packages"):
        print(d)
        sys.exit(0)
print(sysconfig.get_path("purelib", "posix_prefix", vars={"base": prefix, "platbase": prefix}))
