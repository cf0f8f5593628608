"""libbox/_ffi.py against include/box.h: every function's prototype, every constant's
value and every struct's size and field offsets. The header is parsed for the names and
prototypes; a small C program compiled now prints what the compiler makes of them (skipped
without a C compiler or outside a source tree)."""
import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from libbox import _ffi  # noqa: E402

HEADER = Path(__file__).resolve().parents[3] / "include" / "box.h"
CC = shutil.which("cc") or shutil.which("gcc")
pytestmark = [
    pytest.mark.skipif(not HEADER.is_file(), reason=f"no {HEADER} (not a source tree)"),
    pytest.mark.skipif(CC is None, reason="no C compiler"),
]

# The structs of box.h that _ffi declares: C typedef -> ctypes class.
STRUCTS = {"box_status_t": _ffi.box_status_t, "box_seccomp_arg_t": _ffi.box_seccomp_arg_t,
           "box_features_t": _ffi.box_features_t, "box_exec_opts_t": _ffi.box_exec_opts_t}
# Opaque handles: C typedef -> the ctypes pointer type used for them.
HANDLES = {"box_t": _ffi.box_p, "box_proc_t": _ffi.box_proc_p, "box_store_t": _ffi.box_store_p,
           "box_cgroup_pool_t": _ffi.box_cgroup_pool_p}


def _header():
    text = re.sub(r"/\*.*?\*/", " ", HEADER.read_text(), flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def _constants(text):
    """BOX_* object-like macros with a scalar value (not initialisers such as
    BOX_EXEC_OPTS_INIT), and enumerators."""
    names = re.findall(r"^#define\s+(BOX_[A-Z0-9_]+)[ \t]+[^{\s]", text, re.M)
    for body in re.findall(r"typedef\s+enum\s*\{(.*?)\}", text, re.S):
        names += re.findall(r"\b(BOX_[A-Z0-9_]+)\s*(?:=[^,]*)?,?", body)
    return sorted(set(names))


def _prototypes(text):
    out = {}
    for m in re.finditer(r"^([A-Za-z_][\w \*]*?)\b(box_\w+)\s*\(([^;]*?)\)\s*;", text, re.M):
        params = " ".join(m.group(3).split())
        out[m.group(2)] = (m.group(1).strip(), [] if params == "void" else
                           [p.strip() for p in params.split(",")])
    return out


_SCALARS = {
    "int": ctypes.c_int, "unsigned int": ctypes.c_uint, "unsigned": ctypes.c_uint,
    "unsigned short": ctypes.c_ushort, "char": ctypes.c_char,
    "uint64_t": ctypes.c_uint64, "int64_t": ctypes.c_int64, "uint32_t": ctypes.c_uint32,
    "size_t": ctypes.c_size_t, "uid_t": _ffi.uid_t, "gid_t": _ffi.gid_t,
    "mode_t": _ffi.mode_t, "pid_t": _ffi.pid_t,
    # enums are ints in the ABI
    "box_mount_type_t": ctypes.c_int, "box_limit_t": ctypes.c_int, "box_hook_t": ctypes.c_int,
    "box_io_limit_t": ctypes.c_int, "box_end_t": ctypes.c_int,
    # function pointer typedefs: _ffi's CFUNCTYPE for them
    "box_list_fn": _ffi.BOX_LIST_FN,
    "box_hook_fn": _ffi.BOX_HOOK_FN,
}


def _ctype(decl):
    """The ctypes type of a C parameter or return type (names stripped)."""
    d = re.sub(r"\bconst\b", "", decl)
    array = d.rstrip().endswith("[]")
    d = re.sub(r"\[\]", "", d)
    stars = d.count("*") + (1 if array else 0)
    words = d.replace("*", " ").split()
    # drop the parameter name: the last word, if there is a type before it
    if len(words) > 1 and not (words == ["unsigned", "int"]):
        if words[-1] not in _SCALARS and words[-1] not in ("char", "void") and \
                words[-1] not in HANDLES and \
                words[-1] not in STRUCTS and words[-1] != "int":
            words = words[:-1]
    base = " ".join(words)
    if base == "void" and stars == 0:
        return None
    if base == "char" and stars >= 1:
        t = ctypes.c_char_p
        stars -= 1
    elif base in HANDLES:
        t = HANDLES[base]
        stars -= 1
    elif base == "void":  # a pointer to bytes (box_seccomp_add_bpf)
        t = ctypes.c_void_p
        stars -= 1
    elif base in STRUCTS:
        t = STRUCTS[base]
    elif base in _SCALARS:
        t = _SCALARS[base]
    else:
        raise AssertionError(f"test_ffi_header does not know the C type {decl!r}")
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return t


def _same(a, b):
    if a is b or a == b:
        return True
    if a is None or b is None:
        return False
    if hasattr(a, "_type_") and hasattr(b, "_type_") and \
            issubclass(a, ctypes._Pointer) and issubclass(b, ctypes._Pointer):
        return _same(a._type_, b._type_)
    return ctypes.sizeof(a) == ctypes.sizeof(b) and \
        getattr(a, "_type_", None) == getattr(b, "_type_", None)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """name -> value for each constant, "sizeof T" and "offsetof T f" for the structs."""
    text = _header()
    lines = ["#include <stddef.h>", "#include <stdio.h>", f'#include "{HEADER}"',
             "int main(void) {"]
    for name in _constants(text):
        lines.append(f'  printf("%s %lld\\n", "{name}", (long long)({name}));')
    for cname, cls in STRUCTS.items():
        lines.append(f'  printf("sizeof {cname} %zu\\n", sizeof({cname}));')
        for field, _ in cls._fields_:
            lines.append(f'  printf("offsetof {cname} {field} %zu\\n", '
                         f'offsetof({cname}, {field}));')
    lines += ["  return 0;", "}"]
    d = tmp_path_factory.mktemp("ffi")
    (d / "probe.c").write_text("\n".join(lines) + "\n")
    subprocess.run([CC, "-std=gnu11", "-o", str(d / "probe"), str(d / "probe.c")], check=True)
    out = subprocess.run([str(d / "probe")], check=True, capture_output=True, text=True).stdout
    return {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in out.splitlines()}


def test_constants(compiled):
    values = {k: v for k, v in compiled.items() if k.startswith("BOX_")}
    assert values, "no constants found in box.h"
    missing = sorted(k for k in values if not hasattr(_ffi, k))
    assert not missing, f"box.h constants missing from _ffi.py: {missing}"
    wrong = {k: (getattr(_ffi, k), v) for k, v in values.items() if getattr(_ffi, k) != v}
    assert not wrong, f"_ffi.py value, box.h value: {wrong}"


def test_struct_layouts(compiled):
    for cname, cls in STRUCTS.items():
        assert ctypes.sizeof(cls) == compiled[f"sizeof {cname}"], cname
        for field, _ in cls._fields_:
            assert getattr(cls, field).offset == compiled[f"offsetof {cname} {field}"], \
                f"{cname}.{field}"


def test_prototypes():
    protos = _prototypes(_header())
    assert "box_new" in protos and "box_spawn" in protos
    declared = {**_ffi._PROTOS, **_ffi._OPTIONAL}
    missing = sorted(set(protos) - set(declared))
    assert not missing, f"box.h functions without a prototype in _ffi.py: {missing}"
    extra = sorted(set(declared) - set(protos))
    assert not extra, f"_ffi.py declares functions box.h lacks: {extra}"
    for name, (ret, params) in protos.items():
        res, args = declared[name]
        assert _same(res, _ctype(ret)), f"{name}: returns {ret}, _ffi says {res}"
        assert len(args) == len(params), f"{name}: {len(params)} parameters, _ffi has {len(args)}"
        for i, (p, a) in enumerate(zip(params, args)):
            assert _same(a, _ctype(p)), f"{name} parameter {i} ({p}): _ffi says {a}"


def test_loaded_library_has_every_function():
    """The library under test exports all of box.h (an optional one missing from it would
    silently be None in _ffi)."""
    missing = [n for n in _prototypes(_header()) if getattr(_ffi, n, None) is None]
    assert not missing, f"the loaded library lacks {missing}"
