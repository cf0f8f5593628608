#!/usr/bin/env python3
"""Write a config.json whose linux.seccomp is podman's default profile in the OCI form podman
hands the runtime: containers-common's seccomp.json (Docker's format, with includes and
excludes) filtered for x86_64 and podman's default capabilities, as podman does. The test
data stays the distribution's: nothing of it is committed here.
Usage: podman-seccomp.py /usr/share/containers/seccomp.json OUT_DIR"""
import json
import os
import sys

DEFAULT_CAPS = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
                "CAP_SETUID", "CAP_SYS_CHROOT"}

profile = json.load(open(sys.argv[1]))
arches = []
for m in profile.get("archMap", []):
    if m["architecture"] == "SCMP_ARCH_X86_64":
        arches = [m["architecture"]] + m.get("subArchitectures", [])
rules = []
for s in profile["syscalls"]:
    inc, exc = s.get("includes", {}), s.get("excludes", {})
    if inc.get("caps") and not set(inc["caps"]) <= DEFAULT_CAPS:
        continue
    if inc.get("arches") and "amd64" not in inc["arches"]:
        continue
    if set(exc.get("caps", [])) & DEFAULT_CAPS or "amd64" in exc.get("arches", []):
        continue
    rule = {"names": s["names"], "action": s["action"]}
    for key in ("errnoRet", "args"):
        if s.get(key):
            rule[key] = s[key]
    rules.append(rule)
seccomp = {"defaultAction": profile["defaultAction"], "architectures": arches,
           "syscalls": rules}
if "defaultErrnoRet" in profile:
    seccomp["defaultErrnoRet"] = profile["defaultErrnoRet"]
config = {
    "ociVersion": "1.0.2-dev",
    "root": {"path": "rootfs"},
    "process": {"args": ["/bin/true"], "cwd": "/", "noNewPrivileges": True},
    "linux": {"namespaces": [{"type": t} for t in ("mount", "user", "pid")],
              "seccomp": seccomp},
}
os.makedirs(os.path.join(sys.argv[2], "rootfs"), exist_ok=True)
text = json.dumps(config, separators=(",", ":"))
with open(os.path.join(sys.argv[2], "config.json"), "w") as f:
    f.write(text)
names = sum(len(r["names"]) for r in rules)
print(f"podman profile: {names} names in {len(rules)} rules, seccomp part "
      f"{len(json.dumps(seccomp, separators=(',', ':')))} bytes")
