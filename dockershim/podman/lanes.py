"""A bounded pool for the runner's short-lived podman children, in lanes, first come first served.

Each podman process costs most of a core for 50-200 ms on small machines; starting one per
request without bound makes 20 parallel `docker ps` take longer than 20 sequential ones and lets
a burst of mutations (compose up) delay every quick read behind them. So `run` calls take a
slot first:

- "read": quick queries (ps, inspect, ls, exists, version, info, top, ...). They may use any
  free slot of the `total`.
- "write": mutations. At most `writes` of them at once (fewer than `total`), so some slots are
  always left for reads: a read never waits behind a pile of mutations, only behind reads.
- "slow": calls that mostly wait, not compute (stop/restart with a grace period, wait, pull,
  push, build, load, save, commit, healthcheck run). Their own, larger bound, outside `total`,
  so ten `docker stop`s of a compose down do not hold the slots of everything else for 10 s.

Within a lane the order is strictly first come first served; across lanes the oldest waiter that
may run now goes first. Long-lived `spawn` children (attach, exec, logs -f, events) take no slot.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

Kind = Literal["read", "write", "slow"]
KINDS: tuple[Kind, ...] = ("read", "write", "slow")

# fmt: off
# Sub-commands that only look (podman prints and changes nothing).
_READS = frozenset({
    "ps", "list", "ls", "inspect", "exists", "images", "version", "info", "top", "history",
    "diff", "port", "logs",
})
# Sub-commands that mostly wait on something else (a grace period, the network, a build).
_SLOW = frozenset({
    "stop", "restart", "wait", "pull", "push", "build", "load", "save", "import", "export",
    "commit", "search", "login", "df", "prune",
})
# fmt: on
_GROUPS = frozenset({"container", "image", "network", "volume", "system", "pod", "manifest"})


def kind_of(args: Sequence[str]) -> Kind:
    """The lane of a podman call, from its sub-command (`container inspect` -> read)."""
    words = [a for a in args[:3] if not a.startswith("-")]
    if "--help" in args:
        return "read"
    if not words:
        return "write"
    verb = words[1] if words[0] in _GROUPS and len(words) > 1 else words[0]
    if words[0] in ("healthcheck", "manifest"):
        return "slow"  # runs the check inside the container / asks a registry
    if verb in _SLOW:
        return "slow"
    if verb in _READS:
        return "read"
    return "write"


@dataclass(frozen=True)
class Limits:
    total: int  # read + write children at once
    writes: int  # of which mutations at most
    slow: int  # waiting calls, on top of total

    @classmethod
    def for_concurrency(cls, total: int | None = None) -> Limits:
        """From `--podman-concurrency` (default: twice the CPUs, at least 4)."""
        if total is None:
            total = max(4, 2 * (os.cpu_count() or 1))
        total = max(2, total)
        return cls(total=total, writes=max(1, total - max(1, total // 4)), slow=max(8, 2 * total))


class ProcessSlots:
    """Slots for podman children; `async with slots.slot(kind):` around one child's life."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.running: dict[Kind, int] = dict.fromkeys(KINDS, 0)
        self._queue: deque[tuple[Kind, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for _, fut in self._queue if not fut.done())

    def _may_run(self, kind: Kind) -> bool:
        if kind == "slow":
            return self.running["slow"] < self.limits.slow
        if self.running["read"] + self.running["write"] >= self.limits.total:
            return False
        return kind == "read" or self.running["write"] < self.limits.writes

    def _dispatch(self) -> None:
        """Give free slots to the oldest waiters that may run now."""
        for entry in list(self._queue):
            kind, fut = entry
            if fut.done():  # cancelled while waiting
                self._queue.remove(entry)
            elif self._may_run(kind):
                self._queue.remove(entry)
                self.running[kind] += 1
                fut.set_result(None)

    async def acquire(self, kind: Kind) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((kind, fut))
        self._dispatch()
        if fut.done():
            return
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted just as we were cancelled
                self.release(kind)
            else:
                self._dispatch()  # drops our entry
            raise

    def release(self, kind: Kind) -> None:
        self.running[kind] -= 1
        self._dispatch()

    @asynccontextmanager
    async def slot(self, kind: Kind) -> AsyncIterator[None]:
        await self.acquire(kind)
        try:
            yield
        finally:
            self.release(kind)
