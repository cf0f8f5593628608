"""tutorial.py: the box of tutorial.c, from Python. Usage: python3 tutorial.py ROOTFS"""
import sys

import libbox

SCRIPT = r"""
echo "I am $(id -u):$(id -g) on $(hostname), pid $$, in $(pwd)"
ps -o pid,user,comm
echo "open files limit: $(ulimit -n), file size limit: $(ulimit -f) blocks"
touch /newfile 2>&1 | sed 's/^/root fs: /'
echo hello > /tmp/hello && echo "tmpfs: wrote $(cat /tmp/hello) to /tmp/hello"
dd if=/dev/zero of=/tmp/big bs=1M count=2 2>/dev/null
echo "fsize: dd ended with status $?, /tmp/big has $(wc -c < /tmp/big) bytes"
ls /dev | tr '\n' ' '; echo
ip -o link 2>/dev/null | cut -d: -f2 | tr -d '\n' | sed 's/^/network:/'; echo
echo sleeping; sleep 10; echo not reached
"""


def main() -> int:
    rootfs = sys.argv[1]
    box = libbox.Box(
        root=rootfs, readonly_root=True,
        mounts=[libbox.Proc(), libbox.Dev(), libbox.Tmpfs("/tmp", "8M", 0o1777)],
        hostname="tutorial", env={"HOME": "/tmp"}, cwd="/tmp",
        limits={"wall": "1.5s", "nofile": 64, "fsize": "1M", "core": 0},
    )
    with box:
        proc = box.spawn(["sh", "-c", SCRIPT], stdout=libbox.PIPE, stderr=libbox.STDOUT)
        out, _ = proc.communicate()
        st = proc.wait()
    sys.stdout.write(out.decode())
    print(f"=> end={st.end} returncode={st.returncode} after {st.wall * 1000:.0f} ms")
    return 0 if st.exited else 128 + st.signal


if __name__ == "__main__":
    sys.exit(main())
