"""Docker's order at a container's exit: output streams end and waits answer before `die`.

dockerd drains and closes a container's attach streams and releases its waiters before it logs
the `die` event, and clients rely on that order: docker-compose 1.x stops following a container
when it sees `die` and exits as soon as it follows none, dropping the "exited with code N" line
that its log thread prints once its `wait` answers. podman's `died` event often comes before our
attach child has seen the exit, so the events route asks `settle()` before it sends a `die` or
`stop`: it returns once this service no longer streams the container's output or waits for its
exit, and a short grace has passed since the last such stream ended (a client that saw its
stream end calls `wait` next). It never holds an event longer than `cap` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

GRACE = 0.5  # seconds for a client to follow the end of its output stream with a wait
CAP = 5.0  # the longest an event is held
_POLL = 0.02


@dataclass
class _Activity:
    open: int = 0  # output streams and exit waits in progress
    last_end: float = 0.0  # monotonic time the last one ended


class ExitOrder:
    def __init__(self, grace: float = GRACE, cap: float = CAP) -> None:
        self.grace = grace
        self.cap = cap
        self._activity: dict[str, _Activity] = {}
        self._lookups = 0  # exit waits whose container id is not known yet

    @contextlib.contextmanager
    def following(self, container_id: str) -> Iterator[None]:
        """Mark an output stream of, or a wait for the exit of, `container_id` in progress."""
        self._prune()
        activity = self._activity.setdefault(container_id, _Activity())
        activity.open += 1
        try:
            yield
        finally:
            activity.open -= 1
            activity.last_end = time.monotonic()

    @contextlib.contextmanager
    def resolving(self) -> Iterator[None]:
        """Mark a wait request still looking its container up (any container may be it)."""
        self._lookups += 1
        try:
            yield
        finally:
            self._lookups -= 1

    def busy(self, container_id: str) -> bool:
        if self._lookups:
            return True
        activity = self._activity.get(container_id)
        if activity is None:
            return False
        return activity.open > 0 or time.monotonic() - activity.last_end < self.grace

    async def settle(self, container_id: str) -> None:
        """Return once telling `container_id`'s exit can no longer overtake our answers."""
        deadline = time.monotonic() + self.cap
        while self.busy(container_id) and time.monotonic() < deadline:
            await asyncio.sleep(_POLL)

    def _prune(self) -> None:
        now = time.monotonic()
        for ident in [
            i for i, a in self._activity.items() if not a.open and now - a.last_end > self.grace
        ]:
            del self._activity[ident]
