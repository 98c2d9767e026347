"""Start podman: `run` for bounded calls, `spawn` for long-lived streams.

Every process dockershim starts comes from here. argv lists only (never a shell); each call has a
timeout; on timeout, cancellation (client gone) or error the child is terminated, then killed,
then reaped, so no zombie or orphan stays behind. Containers themselves are not our children:
podman hands them to conmon, which double-forks away, so they outlive this service.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import functools
import json
import logging
import os
import pty
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockershim.errors import DockerError, InvalidParameter
from dockershim.podman.errors import classify
from dockershim.podman.lanes import Kind, Limits, ProcessSlots, kind_of
from dockershim.podman.secretargv import Concealed, conceal

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
_TERMINATE_GRACE = 3.0
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Completed:
    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def json(self) -> Any:
        """Parse stdout as JSON; empty output is None (podman prints nothing for empty lists)."""
        out = self.stdout.strip()
        if not out:
            return None
        try:
            return json.loads(out)
        except json.JSONDecodeError as exc:
            raise DockerError(f"podman returned unreadable output: {exc}") from exc


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@functools.cache
def _setpriv() -> str | None:
    """util-linux's setpriv, if it can set the parent-death signal (2.33 and later).

    A `preexec_fn` makes Python fork the whole service and run Python code in the child:
    ~8 ms per podman process here. Without one, Python starts the child with vfork, ~0.3 ms;
    `setpriv --pdeathsig TERM` then sets the same signal and execs podman (same pid); a
    service killed in the instant before setpriv set it would leave that one child."""
    found = shutil.which("setpriv")
    if found is None:
        return None
    try:
        probe = subprocess.run(  # once per service, before its first podman
            [found, "--pdeathsig", "TERM", "--", "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found if probe.returncode == 0 else None


def _program(binary: str, env: Mapping[str, str] | None) -> str:
    """The executable the child's PATH finds for `binary` (as execvpe would)."""
    if os.sep in binary:
        found: str | None = binary if os.path.isfile(binary) else None
    else:
        found = shutil.which(binary, path=os.pathsep.join(os.get_exec_path(env)))
    if found is None:
        raise FileNotFoundError(binary)
    if not os.access(found, os.X_OK):
        raise PermissionError(binary)
    return found


@dataclass
class SpawnedProcess:
    """A long-lived child (logs -f, attach, exec, events) with the ends the stream layer uses.

    With `pty=True` the child's stdio is a pseudo-terminal: `master_fd` is our end (read output,
    write input, resize it with TIOCSWINSZ); `process.stdin/stdout` are None.
    """

    process: asyncio.subprocess.Process
    argv: list[str]
    master_fd: int | None = None
    _closed: bool = field(default=False, repr=False)
    _finish: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def wait(self) -> int:
        return await self.process.wait()

    async def finish(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Let the child end on its own, the rest of its output read and dropped, then
        close it (killed only after `timeout`).

        For a podman that has a container's storage mounted (`cp` out, `export`): a signal
        part way leaves containers/storage's count of the mount behind, and at a bad moment
        (after the unmount, before the count is saved) a count for a mount that is gone,
        which fails the container's next mount ("lstat .../merged: no such file")."""
        if self._closed or self.master_fd is not None:
            await self.close()
            return
        stdin = self.process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()

        async def drop(reader: asyncio.StreamReader | None) -> None:
            while reader is not None and await reader.read(1 << 16):
                pass

        try:
            await asyncio.wait_for(
                asyncio.gather(
                    drop(self.process.stdout), drop(self.process.stderr), self.process.wait()
                ),
                timeout,
            )
        except TimeoutError:
            log.warning("%s did not end within %gs; killed", self.argv[:2], timeout)
        finally:
            await self.close()

    def finish_soon(self) -> asyncio.Future[None]:
        """`finish` in the background, which a cancelled caller (a client gone) does not
        stop; await it (shielded) to wait for the end."""
        if self._finish is None:
            self._finish = asyncio.ensure_future(self.finish())
            _finishing.add(self._finish)
            self._finish.add_done_callback(_finishing.discard)
        return self._finish

    async def close(self) -> None:
        """Terminate (if still running), then kill after a grace period, then reap."""
        if self._closed:
            return
        self._closed = True
        try:
            await _stop(self.process)
        finally:
            if self.process.returncode is None:
                # Cancelled before the exit was seen: closing the transport now would make
                # asyncio poll() the child, stealing its status from the child watcher (which
                # then reports 255) or killing it. Finish once the watcher has reaped it.
                _finish_later(self.process)
            else:
                _close_pipes(self.process)
        if self.master_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.master_fd)
            self.master_fd = None


_finishing: set[asyncio.Task[None]] = set()


def _close_pipes(process: asyncio.subprocess.Process) -> None:
    """Close our ends of a reaped child's pipes (a grandchild may still hold the other ends)."""
    transport = getattr(process, "_transport", None)
    if transport is not None:
        transport.close()


def _finish_later(process: asyncio.subprocess.Process) -> None:
    async def finish() -> None:
        await process.wait()
        _close_pipes(process)

    task = asyncio.ensure_future(finish())
    _finishing.add(task)
    task.add_done_callback(_finishing.discard)


def _signal(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    """Signal a child that asyncio has not seen exit.

    Not `process.terminate()`: Popen.send_signal() first poll()s, and a child that has just
    exited is then reaped behind the child watcher's back; asyncio logs "Unknown child process"
    and reports exit status 255 instead of the real one. Only the watcher reaps our children,
    and it tells the loop at once, so the pid is not another process's when we signal it.
    """
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sig)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        _signal(process, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), _TERMINATE_GRACE)
        except (TimeoutError, asyncio.CancelledError):
            _signal(process, signal.SIGKILL)
    # Reap even when we were cancelled meanwhile: a second cancel must not leave a zombie.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(process.wait())


class PodmanRunner:
    """Runs `podman` (or the binary given) as the calling user.

    `run` children are bounded by a pool with lanes (podman/lanes.py: `concurrency` is the total
    of read and write children, default from the CPU count); `spawn` children are not.
    """

    def __init__(
        self,
        binary: str = "podman",
        *,
        default_timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
        concurrency: int | None = None,
        service_child: bool = False,
    ) -> None:
        self.binary = binary
        # whether the engine may keep `podman system service` as a child for changes
        # (podman/service_child.py); the real service turns it on, tests' runners do not
        self.service_child = service_child
        self.default_timeout = default_timeout
        self.env = dict(env) if env is not None else None
        self.slots = ProcessSlots(Limits.for_concurrency(concurrency))

    def argv(self, args: Sequence[str]) -> list[str]:
        return [self.binary, *args]

    async def run(
        self,
        args: Sequence[str],
        *,
        timeout: float | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        kind: Kind | None = None,
    ) -> Completed:
        """Run podman to completion. With `check`, a non-zero exit raises a DockerError.

        `kind` is the lane ("read", "write", "slow"); by default it follows the sub-command.
        The timeout counts from the child's start, not the wait for a slot.
        """
        lane = kind or kind_of(args)
        queued = time.monotonic()
        async with self.slots.slot(lane):
            return await self._run(args, timeout, stdin, check, lane, time.monotonic() - queued)

    async def _run(
        self,
        args: Sequence[str],
        timeout: float | None,
        stdin: bytes | None,
        check: bool,
        lane: Kind,
        waited: float,
    ) -> Completed:
        concealed = conceal(self.argv(args))
        argv = concealed.shown
        limit = self.default_timeout if timeout is None else timeout
        started = time.monotonic()
        process = await self._exec(
            concealed,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), limit)
        except TimeoutError:
            await _stop(process)
            raise DockerError(
                f"podman did not answer within {limit:g}s ({' '.join(argv[:3])} ...)"
            ) from None
        except BaseException:
            await _stop(process)
            raise
        result = Completed(argv, process.returncode or 0, out, err, time.monotonic() - started)
        log.debug(
            "%s -> %d in %.3fs (%s, queued %.3fs)",
            argv,
            result.returncode,
            result.seconds,
            lane,
            waited,
        )
        if check and result.returncode != 0:
            raise classify(result.err_text, result.returncode)
        return result

    async def run_json(
        self, args: Sequence[str], *, timeout: float | None = None, kind: Kind | None = None
    ) -> Any:
        return (await self.run(args, timeout=timeout, kind=kind)).json()

    async def spawn(
        self,
        args: Sequence[str],
        *,
        stdin: bool = False,
        use_pty: bool = False,
        merge_stderr: bool = False,
        window: tuple[int, int] | None = None,
        env: Mapping[str, str] | None = None,
        discard_output: bool = False,
    ) -> SpawnedProcess:
        """Start a long-lived podman child; the caller must `close()` it (also on cancel).

        `window` (rows, columns) sizes the pseudo-terminal before the child starts, so podman
        reads the right size at once. `env` adds variables to the child's environment.
        `discard_output`: its stdout and stderr go nowhere (a child nobody reads, such as a
        service, must not block on a full pipe).
        """
        concealed = conceal(self.argv(args))
        concealed.env.update(env or {})
        argv = concealed.shown
        if use_pty:
            master, slave = pty.openpty()
            try:
                if window is not None:
                    rows, cols = (min(max(v, 0), 0xFFFF) for v in window)  # a winsize is 16-bit
                    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                process = await self._exec(
                    concealed, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
                )
            except BaseException:
                os.close(master)
                raise
            finally:
                os.close(slave)
            os.set_blocking(master, False)
            return SpawnedProcess(process, argv, master_fd=master)
        if discard_output:
            out: int = asyncio.subprocess.DEVNULL
            err: int = asyncio.subprocess.DEVNULL
        else:
            out = asyncio.subprocess.PIPE
            err = asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE
        process = await self._exec(
            concealed,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        return SpawnedProcess(process, argv)

    async def _exec(self, concealed: Concealed, **kwargs: Any) -> asyncio.subprocess.Process:
        env = {**(self.env or os.environ), **concealed.env} if concealed.env else self.env
        try:
            if any("\x00" in arg for arg in concealed.argv):
                raise InvalidParameter("invalid parameter: a string contains a NUL byte")
            program, *args = concealed.argv
            setpriv = _setpriv()
            if setpriv is not None:
                # the child dies with the service, as with _die_with_parent, started by vfork
                argv = [setpriv, "--pdeathsig", "TERM", "--", _program(program, env), *args]
                return await asyncio.create_subprocess_exec(
                    *argv, env=env, pass_fds=concealed.fds, **kwargs
                )
            return await asyncio.create_subprocess_exec(
                *concealed.argv,
                env=env,
                preexec_fn=_die_with_parent,
                pass_fds=concealed.fds,
                **kwargs,
            )
        except FileNotFoundError:
            raise DockerError(
                f"podman is not available: {self.binary!r} was not found "
                "(install podman or pass --podman PATH)"
            ) from None
        except PermissionError:
            raise DockerError(
                f"podman is not available: {self.binary!r} is not executable"
            ) from None
        finally:
            concealed.close()  # the child has its own copies


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (another user's counts: it cannot be signalled)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
