"""GET /containers/{id}/stats: Docker's stats JSON, one reading or a stream (one per second).

Readings come from the engine (engine/stats.py: /proc, no podman process). `stream=false`
waits for a second reading so CPU % can be computed, as dockerd; `one-shot=true` answers the
first reading at once with empty precpu_stats. A container that is not running yields
dockerd's all-zero message.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from dockershim.api.closing import ClosingStreamingResponse
from dockershim.api.deps import EngineDep
from dockershim.api.queries import BOOL_DOC, flag, named
from dockershim.engine.stats import Stats
from dockershim.errors import InvalidParameter
from dockershim.translate.stats import Sample, stats_body

router = APIRouter()

_INTERVAL = 1.0


def _body(data: dict[str, Any], sample: Sample | None, previous: Sample | None) -> dict[str, Any]:
    return stats_body(str(data.get("Name", "")), str(data.get("Id", "")), sample, previous)


async def _stream(stats: Stats, ref: str, first: tuple[Any, Any]) -> AsyncIterator[bytes]:
    data, sample = first
    previous: Sample | None = None
    while True:
        yield (json.dumps(_body(data, sample, previous)) + "\n").encode()
        previous = sample
        await asyncio.sleep(_INTERVAL)
        try:
            data, sample = await stats.reading(ref)
        except Exception:  # removed meanwhile: the stream ends, as dockerd's does
            return


@router.get("/containers/{ref}/stats")
async def container_stats(
    ref: str,
    engine: EngineDep,
    stream_raw: Annotated[str | None, named("stream", BOOL_DOC + " (default true)")] = None,
    one_shot_raw: Annotated[str | None, named("one-shot", BOOL_DOC)] = None,
) -> Response:
    stream = flag(stream_raw, True)
    one_shot = flag(one_shot_raw, False)
    if one_shot and stream:
        raise InvalidParameter("cannot have stream=true and one-shot=true")
    stats = engine.stats
    first = await stats.reading(ref)
    if stream:
        return ClosingStreamingResponse(_stream(stats, ref, first), media_type="application/json")
    data, sample = first
    if one_shot or sample is None:
        return JSONResponse(_body(data, sample, None))
    await asyncio.sleep(_INTERVAL)
    data, second = await stats.reading(ref)
    return JSONResponse(_body(data, second, sample if second else None))
