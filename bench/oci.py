#!/usr/bin/env python3
"""boxoci against runc and crun (not a test): the life of a no-op container as an engine
drives it, `create --pid-file` + `start` + wait + `delete`, N times per runtime, alternated
in one run, from one bundle (boxoci spec's config.json over a busybox root, process
/bin/true, its cgroup below this process's own). The wait is the engines' own: this
process is a child subreaper (as conmon and containerd's shim are) and reaps the pid the
pid file names.

crun 1.8 refuses a hybrid cgroup host (even with --cgroup-manager=disabled), so on one
the whole run happens in a mount namespace of its own where the cgroup v2 mount
(/sys/fs/cgroup/unified) is hidden; the host's mounts are untouched, and all three
runtimes see the same v1-only layout. As root. BENCH_OCI_BASELINE=PATH adds another
boxoci (a build from before a change) to the same run; BENCH_OCI_PEERS="runc" (default
"runc crun") names the other runtimes.

Usage: oci.py BOXOCI MKROOTFS [N]"""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18
MNT_DETACH = 2


def hide_cgroup2(libc):
    """A mount namespace of our own without the hybrid host's cgroup v2 mount."""
    if not os.path.ismount("/sys/fs/cgroup/unified"):
        return False
    if libc.unshare(CLONE_NEWNS) != 0:
        sys.exit("unshare(CLONE_NEWNS): %s" % os.strerror(ctypes.get_errno()))
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0 or \
            libc.umount2(b"/sys/fs/cgroup/unified", MNT_DETACH) != 0:
        sys.exit("hiding /sys/fs/cgroup/unified: %s" % os.strerror(ctypes.get_errno()))
    return True


def own_cgroup():
    """The deepest of this process's cgroup paths (on v1 the other hierarchies' paths
    are its prefixes here)."""
    paths = [line.rstrip("\n").split(":", 2)[2] for line in open("/proc/self/cgroup")]
    return max(paths, key=len).rstrip("/")


def cgroups_made(path):
    """In each hierarchy, the first directory on the way to cgroup `path` that does not
    exist yet (what the runtimes make and the end of the run removes)."""
    made = []
    for h in os.listdir("/sys/fs/cgroup"):
        d = "/sys/fs/cgroup/" + h
        if not os.path.exists(d + "/cgroup.procs"):
            continue
        for part in path.strip("/").split("/"):
            d += "/" + part
            if not os.path.isdir(d):
                made.append(d)
                break
    return made


PHASES = ("create", "start", "wait", "delete")


def cycle(cmd, root, bundle, cid):
    """One container's life; returns the wall time of each phase in microseconds."""
    pidfile = os.path.join(root, cid + ".pid")
    t = [time.perf_counter_ns()]
    subprocess.run(cmd + ["--root", root, "create", "--bundle", bundle, "--pid-file",
                          pidfile, cid], check=True, stdin=subprocess.DEVNULL)
    pid = int(open(pidfile).read())
    t.append(time.perf_counter_ns())
    subprocess.run(cmd + ["--root", root, "start", cid], check=True)
    t.append(time.perf_counter_ns())
    _, status = os.waitpid(pid, 0)
    t.append(time.perf_counter_ns())
    subprocess.run(cmd + ["--root", root, "delete", cid], check=True)
    t.append(time.perf_counter_ns())
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("%s: the container's exit status is %d" % (cmd[0], status))
    os.unlink(pidfile)
    return [(b - a) // 1000 for a, b in zip(t, t[1:])]


def pct(sorted_t, p):
    """The p-th percentile (nearest rank) of sorted microseconds, in ms."""
    return sorted_t[min(len(sorted_t) - 1, (len(sorted_t) * p + 99) // 100 - 1)] / 1000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    boxoci, mkrootfs = os.path.abspath(sys.argv[1]), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("PR_SET_CHILD_SUBREAPER failed")
    hidden = hide_cgroup2(libc)
    tmp = tempfile.mkdtemp(prefix="oci-bench.")
    cgroup = own_cgroup() + "/oci-bench-%d" % os.getpid()
    made = cgroups_made(cgroup)
    try:
        bundle = os.path.join(tmp, "b")
        subprocess.run(["sh", mkrootfs, bundle + "/rootfs"], check=True)
        os.makedirs(bundle + "/rootfs/sys", exist_ok=True)
        subprocess.run([boxoci, "spec", "--bundle", bundle], check=True)
        with open(bundle + "/config.json") as f:
            config = json.load(f)
        config["process"]["args"] = ["/bin/true"]
        config["linux"]["cgroupsPath"] = cgroup
        with open(bundle + "/config.json", "w") as f:
            json.dump(config, f)
        runtimes = {} if os.environ.get("BENCH_OCI_NO_BOXOCI") else {"boxoci": [boxoci]}
        if os.environ.get("BENCH_OCI_BASELINE"):  # another boxoci (a before), same run
            runtimes["boxoci-before"] = [os.path.abspath(os.environ["BENCH_OCI_BASELINE"])]
        for name in os.environ.get("BENCH_OCI_PEERS", "runc crun").split():
            if shutil.which(name):
                runtimes[name] = [shutil.which(name)]
        times = {name: [] for name in runtimes}
        for i in range(n):
            for name, cmd in runtimes.items():
                root = os.path.join(tmp, "state-" + name)
                times[name].append(cycle(cmd, root, bundle, "c%d" % i))
        print("%d iterations, %s; cgroup v2 mount %s; load average at the end %s" % (
            n, os.uname().release, "hidden" if hidden else "as it is",
            " ".join("%.2f" % x for x in os.getloadavg())))
        print("| runtime | median ms | p99 ms | mean ms | min ms | "
              + " | ".join("%s median" % p for p in PHASES) + " |")
        print("|---|---:|---:|---:|---:|" + "---:|" * len(PHASES))
        medians = {}
        for name, rows in times.items():
            total = sorted(sum(r) for r in rows)
            phases = [sorted(r[k] for r in rows) for k in range(len(PHASES))]
            medians[name] = pct(total, 50)
            print("| %s | %.2f | %.2f | %.2f | %.2f | %s |" % (
                name, medians[name], pct(total, 99), sum(total) / len(total) / 1000,
                total[0] / 1000, " | ".join("%.2f" % pct(ph, 50) for ph in phases)))
        if "boxoci" in medians:
            for name in medians:
                if name != "boxoci":
                    print("boxoci is %.2fx faster than %s by the median" % (
                        medians[name] / medians["boxoci"], name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for top in made:
            for d, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
                os.rmdir(d)


if __name__ == "__main__":
    main()
