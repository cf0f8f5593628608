#!/usr/bin/env python3
"""The receiving end of OCI's --console-socket, as conmon and containerd's shim are: listen
on SOCKET (made before this prints "ready"), take the pty master from the one connection
(SCM_RIGHTS), write what the container prints on it to OUT until it ends (EIO once the
last holder of the slave has gone), at most 20 s. Usage: console-socket.py SOCKET OUT"""
import os
import select
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
conn.close()
srv.close()
with open(out, "wb") as f:
    f.write(b"name=" + msg + b"\n")
    if not fds:
        sys.exit("no fd received")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fds[0]], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fds[0], 4096)
        except OSError:  # EIO: the slave side is closed
            break
        if not data:
            break
        f.write(data)
        f.flush()
