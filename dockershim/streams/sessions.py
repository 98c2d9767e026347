"""Live attach/exec sessions of this service: for resizes and for attaches waiting on a start.

- A TTY session owns the pseudo-terminal its podman child runs on. Resizing sets the window size
  on our (master) end and sends SIGWINCH to the podman child, which passes the size on to the
  container's terminal (the child has no controlling terminal, so the kernel would not signal it).
  A size that arrives before the child exists is kept and applied when it starts.
- A pending attach is an attach to a container that has not started yet (`docker run` attaches,
  then starts). The start route asks `start_pending()` first: the attach session then starts the
  container itself with `podman start --attach`, so nothing the container prints is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dockershim.podman import SpawnedProcess
from dockershim.streams.exitorder import ExitOrder


def set_window_size(child: SpawnedProcess, height: int, width: int) -> None:
    if child.master_fd is None:
        return
    rows, cols = (min(max(v, 0), 0xFFFF) for v in (height, width))  # a winsize is 16-bit
    with contextlib.suppress(OSError):
        fcntl.ioctl(child.master_fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid, signal.SIGWINCH)


@dataclass(eq=False)
class TtySession:
    child: SpawnedProcess | None = None
    size: tuple[int, int] | None = None

    @property
    def window(self) -> tuple[int, int] | None:
        """The size to open the next terminal with (rows, columns), if known."""
        return self.size if self.size and all(self.size) else None

    def attach_child(self, child: SpawnedProcess) -> None:
        self.child = child
        if self.size is not None:
            set_window_size(child, *self.size)

    def resize(self, height: int, width: int) -> None:
        self.size = (height, width)
        if self.child is not None:
            set_window_size(self.child, height, width)


StartFn = Callable[[], Awaitable[None]]


@dataclass(eq=False)
class PendingAttach:
    """An attach waiting for its container to be started through `start_pending()`."""

    container_id: str
    start: StartFn  # starts the container with the session's podman child attached
    claimed: bool = False


@dataclass
class Sessions:
    containers: dict[str, set[TtySession]] = field(default_factory=dict)
    execs: dict[str, TtySession] = field(default_factory=dict)
    pending: dict[str, list[PendingAttach]] = field(default_factory=dict)
    exits: ExitOrder = field(default_factory=ExitOrder)  # see exitorder.py

    # TTY sessions ----------------------------------------------------------------------------
    def add_container_tty(self, container_id: str, session: TtySession) -> None:
        self.containers.setdefault(container_id, set()).add(session)

    def remove_container_tty(self, container_id: str, session: TtySession) -> None:
        sessions = self.containers.get(container_id)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self.containers[container_id]

    def resize_container(self, container_id: str, height: int, width: int) -> None:
        for session in self.containers.get(container_id, ()):
            session.resize(height, width)

    def exec_tty(self, exec_id: str) -> TtySession:
        return self.execs.setdefault(exec_id, TtySession())

    def forget_exec(self, exec_id: str) -> None:
        self.execs.pop(exec_id, None)

    # attaches waiting for a start ------------------------------------------------------------
    def add_pending(self, pending: PendingAttach) -> None:
        self.pending.setdefault(pending.container_id, []).append(pending)

    def remove_pending(self, pending: PendingAttach) -> None:
        waiting = self.pending.get(pending.container_id)
        if waiting is not None and pending in waiting:
            waiting.remove(pending)
            if not waiting:
                del self.pending[pending.container_id]

    async def start_pending(self, container_id: str) -> bool:
        """Start `container_id` through a waiting attach; False when none waits for it.

        Raises what starting raised (a DockerError); returns once the container runs (or has
        already exited), so a following exec or inspect sees it started.
        """
        waiting = [p for p in self.pending.get(container_id, []) if not p.claimed]
        if not waiting:
            return False
        first = waiting[0]
        first.claimed = True
        try:
            await first.start()
        except BaseException:
            first.claimed = False
            raise
        return True


async def wait_any(*awaitables: Awaitable[object]) -> None:
    """Return when the first of `awaitables` is done; cancel the others."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
