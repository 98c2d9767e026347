"""podman's event log, as lines of its JSON: the past read from podman's log file when its
logger is the `file` one (else from a `--stream=false` child of the caller's own, which ends
by itself), live events from one `podman events` child shared by every subscriber
(streams/eventhub.py), which ends when the last one leaves.

The file: podman appends one JSON line per event (the same bytes `podman events --format
json` prints) under a lock its own reader does not take either, and rotates it by renaming a
shortened copy over it. So a reader opens it once, reads whole lines (a last one without its
newline is still being written) and keeps those from the second `since` falls in (the caller
filters exactly, as with the child); a file past _LOG_FILE_MAX is left to podman's reader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable

from dockershim.engine.child import event_lines
from dockershim.engine.networks import Networks
from dockershim.errors import DockerError
from dockershim.podman import PodmanRunner
from dockershim.streams.eventhub import EventHub
from dockershim.translate.events import parse_time_ns

log = logging.getLogger(__name__)

_HISTORY_OVERLAP = 10_000  # history lines remembered to drop their repeats from the live part
_LOG_FILE_MAX = 8 << 20  # bytes of podman's event log read here at most (its default cap: 1 MB)
_LINE_MAX = 64 << 10  # a longer line is passed over, as from the child (engine/child.py)
# podman's `Time`: RFC 3339 in the writer's zone; the second and the zone decide here
_TIME = re.compile(rb'"Time":"([^".Z+]+)(?:\.\d+)?([^"]*)"')


def read_event_log(path: str, since_ns: int | None) -> list[bytes] | None:
    """The lines of podman's event log from the second of `since_ns` on (all without it);
    None when the file cannot be read whole here (missing, or too big): ask podman."""
    try:
        with open(path, "rb") as log_file:
            if os.fstat(log_file.fileno()).st_size > _LOG_FILE_MAX:
                return None
            data = log_file.read(_LOG_FILE_MAX + 1)
    except OSError:
        return None
    floor = None if since_ns is None else since_ns // 1_000_000_000
    seconds: dict[bytes, int] = {}  # a second's text (with its zone) -> Unix seconds
    lines: list[bytes] = []
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n") or len(line) > _LINE_MAX:
            continue  # being written, or one no caller can use
        if floor is not None and (found := _TIME.search(line)) is not None:
            second = found[1] + found[2]
            if second not in seconds:
                with contextlib.suppress(ValueError, UnicodeDecodeError):
                    text = (found[1] + b".0" + found[2]).decode()
                    seconds[second] = parse_time_ns(text) // 1_000_000_000
            if seconds.get(second, floor) < floor:
                continue
        lines.append(line)
    return lines


def _unix(ns: int) -> str:
    # podman 4.3 reads no fraction here, and its --until filter drops events it should keep
    # (the file backend is not in time order): we pass whole seconds and the caller filters.
    return str(ns // 1_000_000_000)


class Events:
    def __init__(
        self,
        podman: PodmanRunner,
        networks: Networks,
        log_file: Callable[[], Awaitable[str | None]],
    ) -> None:
        self.podman = podman
        self.networks = networks
        self._log_file = log_file
        self.hub = EventHub(lambda argv: podman.spawn(argv, merge_stderr=True))
        self._network_ids: dict[str, str] = {}  # name -> id, also of networks gone since

    async def network_ids(self, name: str) -> dict[str, str]:
        """Network names -> ids (podman's network events name the network only), read again
        only for a name not seen yet."""
        if name in self._network_ids:
            return self._network_ids
        try:
            listed = await self.networks.listing()
        except DockerError as exc:
            log.info("events: networks unread: %s", exc.message)
            listed = []
        self._network_ids.update({str(n.get("name")): str(n.get("id")) for n in listed})
        return self._network_ids

    async def _child_lines(self, since_ns: int | None) -> AsyncGenerator[bytes, None]:
        argv = ["events", "--format", "json", "--stream=false"]
        if since_ns is not None:
            argv += ["--since", _unix(since_ns)]
        child = await self.podman.spawn(argv, merge_stderr=True)
        try:
            async for line in event_lines(child):
                yield line
        finally:
            await child.close()

    async def _past(self, since_ns: int | None) -> AsyncGenerator[bytes, None]:
        path = await self._log_file()
        read = None if path is None else await asyncio.to_thread(read_event_log, path, since_ns)
        if read is None:
            async for line in self._child_lines(since_ns):
                yield line
            return
        for line in read:
            yield line

    def history(self, since_ns: int | None) -> AsyncGenerator[bytes, None]:
        """The log from `since_ns` (whole seconds: the caller filters exactly) to now."""
        return self._past(since_ns)

    async def live(
        self, since_ns: int | None, deadline_ns: int | None
    ) -> AsyncGenerator[bytes, None]:
        """Live events until `deadline_ns`; with `since_ns`, the past first. Subscribing before
        the history is read leaves no gap; what both hold comes once."""
        async with self.hub.subscribe() as subscription:
            told: deque[bytes] = deque(maxlen=_HISTORY_OVERLAP)
            if since_ns is not None:
                # the past is read whole whatever the deadline (the caller drops what is
                # later): a podman slow to start under load must not cost the history
                async with contextlib.aclosing(self._past(since_ns)) as past:
                    async for line in past:
                        told.append(line)
                        yield line
            seen = set(told)
            while (live := await subscription.get(deadline_ns)) is not None:
                if live not in seen:
                    yield live
