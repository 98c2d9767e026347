"""GET /events: podman's event log, streamed in Docker's shape (translate/events.py).

- no `until`: history since `since` (if given), then a live stream until the client leaves;
- `until` in the past: the history in [since, until], then the response ends;
- `until` in the future: live until that moment, then the response ends.
Each event is written and flushed as it comes; the `podman events` child is killed and reaped
when the client goes away (the generator's `finally`). A container's `die` and `stop` wait
until this service has ended its output streams and answered its waits (dockerd's order).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from dockershim.api.deps import Backend, BackendDep
from dockershim.errors import InvalidParameter
from dockershim.podman.runner import SpawnedProcess
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


async def _messages(
    backend: Backend,
    argv: list[str],
    event_filter: EventFilter,
    window: tuple[int | None, int | None],
    deadline_ns: int | None,
    exits: ExitOrder | None,
) -> AsyncIterator[bytes]:
    since_ns, until_ns = window
    child = await backend.podman.spawn(argv, merge_stderr=True)
    try:
        async for line in _lines(child, deadline_ns):
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                log.info("podman events: %s", line.decode("utf-8", "replace").strip())
                continue
            ids = None
            if isinstance(raw, dict) and raw.get("Type") == "network":
                ids = await _network_ids(backend)
                if str(raw.get("network")) not in ids:
                    ids = await _network_ids(backend, refresh=True)
            message = docker_event(raw, ids) if isinstance(raw, dict) else None
            if message is None or not event_filter.include(message):
                continue
            if since_ns is not None and message["timeNano"] < since_ns:
                continue
            if until_ns is not None and message["timeNano"] > until_ns:
                continue
            if exits is not None and message.get("Action") in _EXIT_ACTIONS:
                await exits.settle(str(message["Actor"]["ID"]))
            yield (json.dumps(message, separators=(",", ":")) + "\n").encode()
    finally:
        await child.close()


@router.get("/events")
async def system_events(request: Request, backend: BackendDep) -> StreamingResponse:
    params = request.query_params
    now_ns = time.time_ns()
    since_ns = parse_docker_time(params["since"], now_ns) if params.get("since") else None
    until_ns = parse_docker_time(params["until"], now_ns) if params.get("until") else None
    event_filter = EventFilter(parse_filters(params.get("filters"), EVENT_FILTERS))
    if since_ns is not None and until_ns is not None and until_ns < since_ns:
        raise InvalidParameter(
            f"`since` time ({params['since']}) cannot be after `until` time ({params['until']})"
        )
    argv = ["events", "--format", "json"]
    if since_ns is not None:
        argv += ["--since", _unix(since_ns)]
    deadline_ns = None
    exits: ExitOrder | None = sessions_of(backend.cache).exits
    if until_ns is not None:
        if until_ns <= now_ns:
            argv += ["--stream=false"]
            exits = None  # history only: nothing of it is still being streamed
        else:
            deadline_ns = until_ns
    body = _messages(backend, argv, event_filter, (since_ns, until_ns), deadline_ns, exits)
    return StreamingResponse(body, media_type="application/json")
