"""GET /events: podman's event log, streamed in Docker's shape (translate/events.py).

- no `until`: history since `since` (if given), then a live stream until the client leaves;
- `until` in the past: the history in [since, until], then the response ends;
- `until` in the future: live until that moment, then the response ends.
Each event is written and flushed as it comes. The lines come from the engine
(engine/events.py: one shared live reader, a history child per client). A container's `die`
and `stop` wait until this service has ended its output streams and answered its waits
(dockerd's order).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query

from dockershim.api.closing import ClosingStreamingResponse
from dockershim.api.deps import BackendDep
from dockershim.api.queries import TIME_DOC, FiltersJson
from dockershim.engine.events import Events
from dockershim.errors import InvalidParameter
from dockershim.streams.exitorder import ExitOrder
from dockershim.translate.container_logs import timestamp_ns
from dockershim.translate.events import (
    EVENT_FILTERS,
    EventFilter,
    docker_event,
)
from dockershim.translate.filters import parse_filters

log = logging.getLogger(__name__)
router = APIRouter()

# held until this service's streams and waits of the container are done (streams/exitorder.py)
_EXIT_ACTIONS = ("die", "stop")


async def _messages(
    events: Events,
    lines: AsyncGenerator[bytes, None],
    event_filter: EventFilter,
    window: tuple[int | None, int | None],
    exits: ExitOrder | None,
) -> AsyncIterator[bytes]:
    since_ns, until_ns = window
    async with contextlib.aclosing(lines):  # closing this closes the engine's stream at once
        async for line in lines:
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                log.info("podman events: %s", line.decode("utf-8", "replace").strip())
                continue
            ids = names = None
            if isinstance(raw, dict) and raw.get("Type") == "network":
                ids = await events.network_ids(str(raw.get("network")))
                names = await events.networks.names()  # derived podman names -> Docker's
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
) -> ClosingStreamingResponse:
    now_ns = time.time_ns()
    now = now_ns / 1e9
    since_ns = timestamp_ns(since, "since", now=now) if since else None
    until_ns = timestamp_ns(until, "until", now=now) if until else None
    event_filter = EventFilter(parse_filters(filters_json, EVENT_FILTERS))
    if since_ns is not None and until_ns is not None and until_ns < since_ns:
        raise InvalidParameter(f"`since` time ({since}) cannot be after `until` time ({until})")
    events = backend.engine.events
    exits: ExitOrder | None = backend.sessions.exits
    lines: AsyncGenerator[bytes, None]
    if until_ns is not None and until_ns <= now_ns:
        lines = events.history(since_ns)  # history only: it ends by itself
        exits = None  # nothing of it is still being streamed
    else:
        # live: the shared reader; without `since`, only what happens from now on
        lines = events.live(since_ns, until_ns)
        since_ns = now_ns if since_ns is None else since_ns
    body = _messages(events, lines, event_filter, (since_ns, until_ns), exits)
    return ClosingStreamingResponse(body, media_type="application/json")
