"""asyncio for libbox: :func:`create_subprocess_exec`, :func:`create_subprocess_shell`
and :func:`run_async`, modelled on :mod:`asyncio.subprocess`.

A box is waited for through its pidfd, registered with ``loop.add_reader``: no child
watcher and no SIGCHLD handler is involved, so no other reaper in this process can take
its status, and any number of boxes can run at once on one loop.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal as _signal
import time
from typing import Any, Optional, Union

from . import (PIPE, Box, CompletedProcess, Process, Status, TimeoutExpired, _argv,
               _box_limits, _check_keywords, parse_time)

_LIMIT = 2 ** 16  # asyncio.streams' default buffer limit


class AsyncProcess:
    """A box started by :func:`create_subprocess_exec`, like
    :class:`asyncio.subprocess.Process`.

    ``stdin`` is an :class:`asyncio.StreamWriter`, ``stdout`` and ``stderr``
    :class:`asyncio.StreamReader` objects, for the streams made with :data:`PIPE` (else
    None). ``pid``, ``returncode`` (the exit code or minus the signal; None while it runs),
    ``status`` (the box's :class:`Status`), ``await wait()``, ``await communicate(input)``,
    ``send_signal``, ``terminate`` and ``kill``. The box is released once it has been
    waited for.
    """

    def __init__(self, box: Box, process: Process, loop: asyncio.AbstractEventLoop) -> None:
        self._box = box
        self._process = process
        self._loop = loop
        self.pid: int = process.pid
        self.stdin: Optional[asyncio.StreamWriter] = None
        self.stdout: Optional[asyncio.StreamReader] = None
        self.stderr: Optional[asyncio.StreamReader] = None
        self._done: asyncio.Future = loop.create_future()
        self._watch_fd: Optional[int] = None
        self._timer: Optional[asyncio.TimerHandle] = None

    async def _connect(self, limit: int) -> None:
        """Hand the pipes to asyncio transports, which own them from then on (the Process
        forgets them, so that releasing the box never closes an fd a transport still
        watches: its number could be reused by another box's pipe)."""
        loop, p = self._loop, self._process
        if p.stdin is not None:
            proto = asyncio.StreamReaderProtocol(asyncio.StreamReader(limit=limit, loop=loop),
                                                 loop=loop)
            transport, _ = await loop.connect_write_pipe(lambda: proto, p.stdin)
            p.stdin = None
            self.stdin = asyncio.StreamWriter(transport, proto, None, loop)
        for name in ("stdout", "stderr"):
            pipe = getattr(p, name)
            if pipe is not None:
                reader = asyncio.StreamReader(limit=limit, loop=loop)
                await loop.connect_read_pipe(
                    lambda: asyncio.StreamReaderProtocol(reader, loop=loop), pipe)
                setattr(p, name, None)
                setattr(self, name, reader)
        self._watch()

    def _watch(self) -> None:
        """Wait for the end through a copy of the pidfd (box_wait closes the box's own)
        and, for the limits libbox enforces in box_wait (wall, cpu_time), check back on
        time."""
        fd = self._process._try_reap()
        if fd is None:
            self._finish()
            return
        self._watch_fd = fd
        self._loop.add_reader(fd, self._check)
        p = self._process
        ends = [d for d in (p._wall_deadline,) if d is not None]
        if p._poll_interval is not None:
            ends.append(time.monotonic() + p._poll_interval)
        if ends:
            delay = max(0.0, min(ends) - time.monotonic())
            self._timer = self._loop.call_later(delay + 0.005, self._check)

    def _unwatch(self) -> None:
        if self._watch_fd is not None:
            self._loop.remove_reader(self._watch_fd)
            os.close(self._watch_fd)
            self._watch_fd = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        self._unwatch()
        try:
            self._watch()
        except BaseException as e:  # pragma: no cover - a box_wait error
            if not self._done.done():
                self._done.set_exception(e)

    def _finish(self) -> None:
        if not self._done.done():
            self._done.set_result(self._process.status)

    @property
    def status(self) -> Optional[Status]:
        """How the box ended, once it has; else None."""
        return self._process.status

    @property
    def returncode(self) -> Optional[int]:
        """The exit code, or minus the signal that ended the box; None while it runs."""
        return self._process.returncode

    async def wait(self) -> int:
        """Wait for the box to end; return the returncode. The box is released then (also
        when waiting failed: a BoxError from box_wait)."""
        try:
            st = await asyncio.shield(self._done)
        except asyncio.CancelledError:
            raise
        except BaseException:
            self._release()
            raise
        self._release()
        return st.returncode

    def _release(self) -> None:
        self._box.close()

    async def communicate(self, input: Optional[bytes] = None) -> tuple[Any, Any]:
        """Write ``input`` to stdin and close it, read stdout and stderr to their end, wait
        for the box; return ``(stdout, stderr)`` bytes (None for a stream that is not a
        PIPE)."""
        async def feed() -> None:
            if self.stdin is None:
                return
            try:
                if input:
                    self.stdin.write(input)
                    await self.stdin.drain()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.stdin.close()

        async def read(stream: Optional[asyncio.StreamReader]) -> Optional[bytes]:
            return None if stream is None else await stream.read()

        _, out, err = await asyncio.gather(feed(), read(self.stdout), read(self.stderr))
        await self.wait()
        return out, err

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to the box's first process (nothing once it has ended)."""
        self._process.kill(sig)

    def terminate(self) -> None:
        """SIGTERM (a pid 1 without a handler ignores it: see :class:`libbox.Popen`)."""
        self.send_signal(_signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(_signal.SIGKILL)

    def __repr__(self) -> str:
        return f"<libbox.AsyncProcess {self.pid}>"


async def create_subprocess_exec(program: Any, *args: Any, stdin: Any = None,
                                 stdout: Any = None, stderr: Any = None, limit: int = _LIMIT,
                                 **box_options: Any) -> AsyncProcess:
    """Start ``program`` with ``args`` in a new box, like
    :func:`asyncio.create_subprocess_exec`: ``stdin``, ``stdout``, ``stderr`` as there
    (:data:`PIPE` gives asyncio streams, :data:`DEVNULL`, :data:`STDOUT`, an fd or a
    file), ``limit`` the streams' buffer limit, ``cwd``, ``env``, ``executable``,
    ``pass_fds`` as in :class:`libbox.Popen`, and every keyword of :class:`Box`. Text mode
    is refused (ValueError), as asyncio does. The box is built and the program executed
    before this returns (a :class:`BoxError` otherwise, e.g. FileNotFoundError).
    """
    return await _create("libbox.create_subprocess_exec", [program, *args], False,
                         stdin, stdout, stderr, limit, box_options)


async def create_subprocess_shell(cmd: str, stdin: Any = None, stdout: Any = None,
                                  stderr: Any = None, limit: int = _LIMIT,
                                  **box_options: Any) -> AsyncProcess:
    """Run the command line ``cmd`` with ``/bin/sh -c`` in a new box, like
    :func:`asyncio.create_subprocess_shell`; see :func:`create_subprocess_exec`."""
    if not isinstance(cmd, (str, bytes)):
        raise TypeError("cmd must be a string")
    return await _create("libbox.create_subprocess_shell", cmd, True, stdin, stdout, stderr,
                         limit, box_options)


async def _create(api: str, args: Any, shell: bool, stdin: Any, stdout: Any, stderr: Any,
                  limit: int, kw: dict) -> AsyncProcess:
    for name in ("text", "universal_newlines", "encoding", "errors"):
        if kw.pop(name, None):
            raise ValueError(f"{name} must be unset: {api}() works on bytes, as asyncio's")
    if kw.pop("shell", shell) != shell:
        raise ValueError(f"shell must be {shell} for {api}()")
    pass_fds = kw.pop("pass_fds", ())
    _check_keywords(api, kw, ("executable",))
    argv, program = _argv(args, shell, kw.pop("executable", None))
    if program is not None:
        kw["program"] = program
    _box_limits(kw)
    loop = asyncio.get_running_loop()
    # Spawned here, in the loop's thread: with die_with_parent the box lives as long as
    # the thread that spawned it.
    box = Box(**kw)
    try:
        proc = box.spawn(argv, stdin=stdin, stdout=stdout, stderr=stderr,
                         pass_fds={fd: fd for fd in pass_fds})
        ap = AsyncProcess(box, proc, loop)
        await ap._connect(limit)
    except BaseException:
        box.close()
        raise
    return ap


async def run_async(args: Any, *, input: Optional[bytes] = None, capture_output: bool = False,
                    timeout: Union[float, str, None] = None, check: bool = False,
                    stdin: Any = None, stdout: Any = None, stderr: Any = None,
                    shell: bool = False, text: Optional[bool] = None,
                    encoding: Optional[str] = None, errors: Optional[str] = None,
                    universal_newlines: Optional[bool] = None,
                    **box_options: Any) -> CompletedProcess:
    """``await run_async(...)``: :func:`libbox.run` for asyncio, with the same arguments
    and results (text mode included: the output is decoded at the end). ``timeout`` kills
    the box and raises :class:`TimeoutExpired` with the partial output and the status.
    """
    if input is not None:
        if stdin is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        stdin = PIPE
    if capture_output:
        if stdout is not None or stderr is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        stdout = stderr = PIPE
    text_mode = bool(text or universal_newlines or encoding or errors)
    if text_mode:
        import locale
        encoding = encoding or locale.getpreferredencoding(False)
        if isinstance(input, str):
            input = input.encode(encoding, errors or "strict")
    t = None if timeout is None else parse_time(timeout)
    for name in ("preexec_fn", "close_fds", "user", "group", "extra_groups", "umask",
                 "process_group", "restore_signals", "pipesize", "startupinfo",
                 "creationflags"):
        if name in box_options:  # the same refusals as libbox.run, with this name
            _check_keywords("libbox.run_async", {name: box_options[name]}, ())
            box_options.pop(name)
    p = await _create("libbox.run_async", args, shell, stdin, stdout, stderr, _LIMIT,
                      box_options)
    partial: dict = {"stdout": [], "stderr": []}

    async def read(name: str) -> Optional[bytes]:
        stream = getattr(p, name)
        if stream is None:
            return None
        while chunk := await stream.read(1 << 16):
            partial[name].append(chunk)
        return b"".join(partial[name])

    async def feed() -> None:
        if p.stdin is None:
            return
        try:
            if input:
                p.stdin.write(input)
                await p.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass
        p.stdin.close()

    async def all_of_it() -> tuple[Any, Any]:
        _, out, err = await asyncio.gather(feed(), read("stdout"), read("stderr"))
        await p.wait()
        return out, err

    def decode(data: Optional[bytes]) -> Any:
        if data is None or not text_mode:
            return data
        return data.decode(encoding, errors or "strict").replace("\r\n", "\n").replace("\r", "\n")

    try:
        out, err = await asyncio.wait_for(all_of_it(), t)
    except asyncio.TimeoutError:
        p.kill()
        await p.wait()
        out = b"".join(partial["stdout"]) if p.stdout is not None else None
        err = b"".join(partial["stderr"]) if p.stderr is not None else None
        raise TimeoutExpired(args, t, decode(out), decode(err), p.status) from None
    except BaseException:
        with contextlib.suppress(OSError):
            p.kill()
        if p._done.done():
            p._release()
        else:
            with contextlib.suppress(Exception):
                await p.wait()
        raise
    st = p.status
    assert st is not None
    res = CompletedProcess(args, st.returncode, decode(out), decode(err), st)
    if check:
        res.check_returncode()
    return res
