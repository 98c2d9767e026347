"""One `podman events` child shared by every live /events client, instead of one each.

The child starts with the first subscriber and is closed (terminate -> kill -> reap) when the
last one leaves. It reads from one second before its own start (`--since`), so an event that
happens while it is starting is not lost; subscribers drop what predates them by time. Each
subscriber has a bounded queue: one that does not keep up is ended (its response closes)
rather than letting the service's memory grow.

podman's file event log is rotated when it reaches `events_logfile_max_size` (1 MB by default:
a few thousand events, a long test suite's worth): the file is replaced by its second half,
and a streaming `podman events --since` ends there (podman 4.3 re-opens the file only without
`--since`, and then reads the kept half again). So a child that ends while clients listen is
followed by a new one from a little before its end, and the lines told already are dropped:
clients see neither the gap nor a repeat. A child that keeps ending at once (podman failing)
ends the streams instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from dockershim.podman.runner import SpawnedProcess

log = logging.getLogger(__name__)

Spawn = Callable[[list[str]], Awaitable[SpawnedProcess]]
BACKLOG = 4096  # lines a subscriber may fall behind before it is ended
RECENT = 4096  # lines remembered to drop what a follow-up child reads again (~1 MB)
REREAD = 2  # seconds before a child's end its follow-up reads from (late writers)
QUICK_END = 1.0  # seconds: a child that ends sooner counts as failing
QUICK_ENDS = 3  # failing children in a row before the streams end


class Subscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(BACKLOG)
        self.ended = False

    def offer(self, line: bytes | None) -> None:
        if self.ended:
            return
        try:
            self.queue.put_nowait(line)
        except asyncio.QueueFull:
            self.ended = True
            self.queue.get_nowait()  # room for the end mark
            self.queue.put_nowait(None)
            log.info("events: a client fell %d lines behind and was ended", BACKLOG)
            return
        if line is None:
            self.ended = True

    async def get(self, deadline_ns: int | None) -> bytes | None:
        """The next line; None at the end of the stream or at the deadline."""
        remaining = None if deadline_ns is None else (deadline_ns - time.time_ns()) / 1e9
        if remaining is not None and remaining <= 0:
            return None
        try:
            return await asyncio.wait_for(self.queue.get(), remaining)
        except TimeoutError:
            return None


class EventHub:
    def __init__(self, spawn: Spawn) -> None:
        self._spawn = spawn
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        subscription = Subscription()
        self._subscribers.add(subscription)
        if not self.running:
            self._task = asyncio.create_task(self._read())
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)
            if not self._subscribers and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _read(self) -> None:
        since = time.time() - 1
        recent: deque[bytes] = deque()  # the last lines told, oldest first
        told: set[bytes] = set()
        quick_ends = 0
        try:
            while quick_ends < QUICK_ENDS:
                started = time.monotonic()
                if not await self._follow(int(since), recent, told):
                    return
                if time.monotonic() - started < QUICK_END:
                    quick_ends += 1
                    await asyncio.sleep(0.1 * quick_ends)
                else:
                    quick_ends = 0
                since = time.time() - REREAD
                log.info("podman events ended (its log rotated?): reading on from %d", since)
        finally:
            for subscription in list(self._subscribers):
                subscription.offer(None)  # podman events ended: so do the responses

    async def _follow(self, since: int, recent: deque[bytes], told: set[bytes]) -> bool:
        """One `podman events` child to its end; False when it could not start."""
        try:
            child = await self._spawn(["events", "--format", "json", "--since", str(since)])
        except Exception as exc:
            log.warning("podman events could not start: %s", exc)
            return False
        try:
            stdout = child.process.stdout
            assert stdout is not None
            while True:
                try:
                    line = await stdout.readline()
                except ValueError:  # beyond the reader's limit: no event we can use
                    continue
                if not line:
                    return True
                if line in told:
                    continue
                told.add(line)
                recent.append(line)
                if len(recent) > RECENT:
                    told.discard(recent.popleft())
                for subscription in list(self._subscribers):
                    subscription.offer(line)
        finally:
            await asyncio.shield(child.close())
