"""GET /events: podman's event log, streamed in Docker's shape (translate/events.py).

- no `until`: history since `since` (if given), then a live stream until the client leaves;
- `until` in the past: the history in [since, until], then the response ends;
- `until` in the future: live until that moment, then the response ends.
Each event is written and flushed as it comes. Live events come from one `podman events` child
shared by all clients (streams/eventhub.py), which ends when the last client leaves; history
comes from a `--stream=false` child of the client's own, which ends by itself. A container's
`die` and `stop` wait until this service has ended its output streams and answered its waits
(dockerd's order).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from dockershim.api.deps import Backend, BackendDep
from dockershim.api.queries import TIME_DOC, FiltersJson
from dockershim.errors import InvalidParameter
from dockershim.podman.runner import SpawnedProcess
from dockershim.streams.eventhub import EventHub
from dockershim.streams.exitorder import ExitOrder
from dockershim.streams.sessions import sessions_of
from dockershim.translate.events import (
    EVENT_FILTERS,
    EventFilter,
    docker_event,
    parse_docker_time,
)
from dockershim.translate.filters import parse_filters

log = logging.getLogger(__name__)
router = APIRouter()

# held until this service's streams and waits of the container are done (streams/exitorder.py)
_EXIT_ACTIONS = ("die", "stop")
_HISTORY_OVERLAP = 10_000  # history lines remembered to drop their repeats from the live part


def _unix(ns: int) -> str:
    # podman 4.3 reads no fraction here, and its --until filter drops events it should keep
    # (the file backend is not in time order): we pass whole seconds and filter exactly.
    return str(ns // 1_000_000_000)


async def _network_ids(backend: Backend, refresh: bool = False) -> dict[str, str]:
    cached: dict[str, str] | None = backend.cache.get("network_ids")
    if cached is None or refresh:
        result = await backend.podman.run(["network", "ls", "--format", "json"], check=False)
        try:
            listed = json.loads(result.stdout or b"[]") or []
        except json.JSONDecodeError:
            listed = []
        cached = {str(n.get("name")): str(n.get("id")) for n in listed if isinstance(n, dict)}
        backend.cache["network_ids"] = cached
    return cached


async def _lines(child: SpawnedProcess, deadline_ns: int | None) -> AsyncIterator[bytes]:
    stdout = child.process.stdout
    assert stdout is not None
    while True:
        remaining = None if deadline_ns is None else (deadline_ns - time.time_ns()) / 1e9
        if remaining is not None and remaining <= 0:
            return
        try:
            line = await asyncio.wait_for(stdout.readline(), remaining)
        except TimeoutError:
            return
        except ValueError:  # a line beyond the reader's limit: not an event we can use
            log.info("podman events: skipped an over-long line")
            continue
        if not line:
            return
        yield line


async def _child_lines(
    backend: Backend, argv: list[str], deadline_ns: int | None
) -> AsyncIterator[bytes]:
    child = await backend.podman.spawn(argv, merge_stderr=True)
    try:
        async for line in _lines(child, deadline_ns):
            yield line
    finally:
        await child.close()


def hub_of(backend: Backend) -> EventHub:
    """The service's one shared `podman events` reader, kept in `Backend.cache`."""
    hub = backend.cache.get("events.hub")
    if not isinstance(hub, EventHub):
        hub = EventHub(lambda argv: backend.podman.spawn(argv, merge_stderr=True))
        backend.cache["events.hub"] = hub
    return hub


async def _live_lines(
    backend: Backend, history: list[str] | None, deadline_ns: int | None
) -> AsyncIterator[bytes]:
    """Live events from the shared reader; with `history` (a `--stream=false` argv), the past
    first. Subscribing before the history is read leaves no gap; what both hold comes once."""
    async with hub_of(backend).subscribe() as subscription:
        told: deque[bytes] = deque(maxlen=_HISTORY_OVERLAP)
        if history is not None:
            async for line in _child_lines(backend, history, deadline_ns):
                told.append(line)
                yield line
        seen = set(told)
        while (live := await subscription.get(deadline_ns)) is not None:
            if live not in seen:
                yield live


async def _messages(
    backend: Backend,
    lines: AsyncIterator[bytes],
    event_filter: EventFilter,
    window: tuple[int | None, int | None],
    exits: ExitOrder | None,
) -> AsyncIterator[bytes]:
    since_ns, until_ns = window
    async for line in lines:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            log.info("podman events: %s", line.decode("utf-8", "replace").strip())
            continue
        ids = names = None
        if isinstance(raw, dict) and raw.get("Type") == "network":
            ids = await _network_ids(backend)
            if str(raw.get("network")) not in ids:
                ids = await _network_ids(backend, refresh=True)
            names = await backend.engine.networks.names()  # derived podman names -> Docker's
        message = docker_event(raw, ids, names) if isinstance(raw, dict) else None
        if message is None or not event_filter.include(message):
            continue
        if since_ns is not None and message["timeNano"] < since_ns:
            continue
        if until_ns is not None and message["timeNano"] > until_ns:
            continue
        if exits is not None and message.get("Action") in _EXIT_ACTIONS:
            await exits.settle(str(message["Actor"]["ID"]))
        yield (json.dumps(message, separators=(",", ":")) + "\n").encode()


@router.get("/events")
async def system_events(
    backend: BackendDep,
    since: Annotated[str | None, Query(description=TIME_DOC)] = None,
    until: Annotated[str | None, Query(description=TIME_DOC)] = None,
    filters_json: FiltersJson = None,
) -> StreamingResponse:
    now_ns = time.time_ns()
    since_ns = parse_docker_time(since, now_ns) if since else None
    until_ns = parse_docker_time(until, now_ns) if until else None
    event_filter = EventFilter(parse_filters(filters_json, EVENT_FILTERS))
    if since_ns is not None and until_ns is not None and until_ns < since_ns:
        raise InvalidParameter(f"`since` time ({since}) cannot be after `until` time ({until})")
    history = ["events", "--format", "json", "--stream=false"]
    if since_ns is not None:
        history += ["--since", _unix(since_ns)]
    exits: ExitOrder | None = sessions_of(backend.cache).exits
    lines: AsyncIterator[bytes]
    if until_ns is not None and until_ns <= now_ns:
        lines = _child_lines(backend, history, None)  # history only: it ends by itself
        exits = None  # nothing of it is still being streamed
    else:
        # live: the shared reader; without `since`, only what happens from now on
        lines = _live_lines(backend, history if since_ns is not None else None, until_ns)
        since_ns = now_ns if since_ns is None else since_ns
    body = _messages(backend, lines, event_filter, (since_ns, until_ns), exits)
    return StreamingResponse(body, media_type="application/json")
