"""Docker's container wait, answered by watching podman's state instead of a podman process.

`docker run` sends a wait before every start (`next-exit`, or `removed` with --rm), so a
`podman events` child per run cost most of a core for ~100 ms on the run's critical path. The
wait looks at the state database (a read of under a millisecond for dozens of containers, one
per interval however many polls want it) and at conmon's exit file instead, often while a
change is likely and then less often:

- an exit shows first as conmon's exit file `<tmp dir>/exits/<id>` (its text is the exit code)
  while the database still says running, then as the stored exited state with its code;
- `next-exit` wants an exit after the wait began: the container was seen up and is no longer,
  or its stored finish time (or restart count, for a restart policy) moved past the start;
- `removed`: until the record is gone, with the last exit code seen. A container started,
  exited and removed between two looks (the exited state lasts ~100 ms) leaves no code in the
  state: then podman's event log is read up to its removal (`podman events`, as before).
  Once the exit of an auto-removed container (`docker run --rm`) is seen, the wait removes it
  itself (`remove`, through podman's service child), as podman's own `podman run --rm` does,
  instead of waiting ~100-200 ms for conmon's clean-up process to do it (whichever comes
  second finds it gone).

When the state cannot be read, `podman events` is followed as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
from collections.abc import Awaitable, Callable

from dockershim.engine.child import event_lines
from dockershim.engine.containers import ContainerRef, Containers
from dockershim.errors import DockerError
from dockershim.podman import PodmanRunner
from dockershim.podman.libpod_state import ContainerRecord, Snapshot
from dockershim.translate.container_fields import auto_removes
from dockershim.translate.container_status import parse_time

log = logging.getLogger(__name__)

_UP = ("running", "paused", "stopping")
_FAST = 0.02  # seconds between looks for the first few seconds of a wait
_SLOW = 0.1  # and after that (an exit is noticed at most this late)
_FAST_FOR = 3.0
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


class Waiter:
    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        remove: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.podman = podman
        self.containers = containers
        self._remove = remove  # an exited auto-removed container, by id

    async def wait(self, found: ContainerRef, condition: str, since: datetime.datetime) -> int:
        snap = await self.containers.snapshot()
        if snap is None:
            return await self._follow_events(found, condition, since)
        watch = _Watch(found, condition, since.timestamp())
        loop = asyncio.get_running_loop()
        began = loop.time()
        removing = False
        while True:
            done = watch.look(snap)
            if done is not None:
                return done
            if watch.gone:  # removed before its exit could be seen: podman's log has both
                log.debug("wait %s: removed before its exit was seen", found.id[:12])
                return await self._follow_events(found, "removed", since)
            if self._remove is not None and not removing and _exited_for_removal(watch, snap):
                removing = True
                await self._remove(found.id)
                pause = 0.0  # look again at once: gone, most likely
            else:
                pause = _FAST if loop.time() - began < _FAST_FOR else _SLOW
                await asyncio.sleep(pause)
            snap = await self.containers.recent_snapshot(pause)
            if snap is None:  # the state became unreadable meanwhile
                return await self._follow_events(found, condition, since)

    async def _follow_events(
        self, found: ContainerRef, condition: str, since: datetime.datetime
    ) -> int:
        """`podman events` from `since` (taken before the lookup, so no exit is missed)."""
        exit_code = found.exit_code
        stamp = since.strftime(_STAMP)
        child = await self.podman.spawn(
            ["events", "--since", stamp, "--filter", f"container={found.id}", "--format", "json"]
        )
        try:
            threshold = since.timestamp()
            async for line in event_lines(child):
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                when = parse_time(event.get("Time")) or 0.0
                if when < threshold or event.get("ID") != found.id:
                    continue
                status = event.get("Status")
                if status == "died":
                    exit_code = int(event.get("ContainerExitCode") or 0)
                    if condition != "removed":
                        return exit_code
                elif status == "remove":
                    return exit_code
            return await self._final_code(found.id, exit_code)  # podman events ended: the state
        finally:
            await child.close()

    async def _final_code(self, ident: str, default: int) -> int:
        with contextlib.suppress(DockerError):
            return (await self.containers.lookup(ident)).exit_code
        return default


class _Watch:
    """What one wait has seen of its container so far (pure but for reading the exit file)."""

    def __init__(self, found: ContainerRef, condition: str, since: float) -> None:
        self.id = found.id
        self.condition = condition
        self.since = since
        self.code = found.exit_code
        self.fresh = False  # `code` is from an exit after `since`
        self.seen_up = found.status in _UP
        self.restarts: int | None = None
        self.gone = False

    def look(self, snap: Snapshot) -> int | None:
        """The exit code to answer with, or None to keep waiting."""
        record = snap.containers.get(self.id)
        if record is None:
            if self.condition == "removed" and not self.fresh:
                self.gone = True  # its last exit unseen (or it never ran): podman's log tells
                return None
            return self.code
        exited = self._exited(snap, record)
        if exited is not None:
            self.code, self.fresh = exited, True
        elif record.status in _UP:
            self.seen_up = True
        if self.condition == "removed":
            return None
        if self.condition == "not-running" and exited is None and record.status not in _UP:
            return record.exit_code
        return exited

    def _exited(self, snap: Snapshot, record: ContainerRecord) -> int | None:
        """The code of an exit after the wait began, if this look shows one."""
        state = record.state_json
        restarts = int(state.get("restartCount") or 0)
        restarted = self.restarts is not None and restarts > self.restarts
        self.restarts = restarts
        pending = _exit_code(snap, record, _read_text)
        if pending is not None:
            return pending
        if record.status in ("stopped", "exited"):
            finished = parse_time(state.get("finishedTime")) or 0.0
            if self.seen_up or finished >= self.since:
                return record.exit_code
        return record.exit_code if restarted else None


def _exited_for_removal(watch: _Watch, snap: Snapshot) -> bool:
    """A `removed` wait has seen the exit of an auto-removed container (`docker run --rm`)."""
    record = snap.containers.get(watch.id)
    return (
        watch.condition == "removed"
        and watch.fresh
        and record is not None
        and auto_removes(record.annotations)
    )


def exited_code(snap: Snapshot, record: ContainerRecord) -> int | None:
    """The container's exit code if this look shows it exited (conmon's exit file, or the
    stored state); None while it runs."""
    pending = _exit_code(snap, record, _read_text)
    if pending is not None:
        return pending
    return record.exit_code if record.status in ("stopped", "exited") else None


def _exit_code(
    snap: Snapshot, record: ContainerRecord, read: Callable[[str], str | None]
) -> int | None:
    """The code in conmon's exit file while the database still says the container is up."""
    if not snap.exit_pending(record):
        return None
    text = read(snap.exit_file(record.id))
    try:
        return int((text or "").strip())
    except ValueError:
        return None  # being written: the next look reads it


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(64)
    except OSError:
        return None
