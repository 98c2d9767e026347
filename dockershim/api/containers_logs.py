"""Container logs (multiplexed unless TTY, follow, tail, since/until, timestamps) and top;
the podman side of both is the engine's (engine/logs.py, engine/top.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from dockershim.api.closing import ClosingStreamingResponse
from dockershim.api.deps import BackendDep, EngineDep
from dockershim.api.queries import BOOL_DOC, TIME_DOC, Flag, flag, named
from dockershim.api.versioning import api_version
from dockershim.engine.logs import Batch, LogWindow
from dockershim.errors import InvalidParameter
from dockershim.streams.framing import STDERR, STDOUT, frame
from dockershim.translate.container_logs import timestamp_ns

router = APIRouter()


@router.get("/containers/{ref}/logs")
async def container_logs(
    ref: str,
    request: Request,
    backend: BackendDep,
    stdout: Flag = None,
    stderr: Flag = None,
    since_raw: Annotated[str | None, named("since", TIME_DOC)] = None,
    until_raw: Annotated[str | None, named("until", TIME_DOC)] = None,
    follow_raw: Annotated[str | None, named("follow", BOOL_DOC)] = None,
    tail: Annotated[str | None, Query(description="a number of lines, or all")] = None,
    timestamps_raw: Annotated[str | None, named("timestamps", BOOL_DOC)] = None,
) -> ClosingStreamingResponse:
    want_out = flag(stdout)
    want_err = flag(stderr)
    if not (want_out or want_err):
        raise InvalidParameter("Bad parameters: you must choose at least one stream")
    now = time.time()
    since = since_raw or "0"
    until = until_raw or "0"
    follow = flag(follow_raw)
    timestamps = flag(timestamps_raw)
    window = LogWindow(
        follow=follow,
        tail=tail or "all",
        since_ns=timestamp_ns(since, "since", now=now) if since != "0" else 0,
        until_ns=timestamp_ns(until, "until", now=now) if until != "0" else 0,
        timestamps=timestamps,
    )
    reader = await backend.engine.logs.open(ref, window)
    multiplexed = "application/vnd.docker.multiplexed-stream"
    if api_version(request.scope) < (1, 42):
        multiplexed = "application/vnd.docker.raw-stream"
    media = "application/vnd.docker.raw-stream" if reader.tty else multiplexed
    exits = backend.sessions.exits
    following = exits.following(str(reader.container["Id"])) if follow else contextlib.nullcontext()
    want = {which for which, wanted in ((STDOUT, want_out), (STDERR, want_err)) if wanted}
    body = _framed(reader.batches(), tty=reader.tty, want=want)
    return ClosingStreamingResponse(_within(following, body), media_type=media, close=reader.close)


async def _framed(
    batches: AsyncGenerator[Batch, None], *, tty: bool, want: set[int]
) -> AsyncGenerator[bytes, None]:
    """The lines of each batch the client wants, one frame per line as written (dockerd: one
    per log message), sent together; raw with a TTY."""
    try:
        yield b""  # head now: `logs -f` on a quiet container must not look hung
        async for batch in batches:
            lines = [(which, line) for which, line in batch if which in want]
            if lines:
                yield (
                    b"".join(line for _, line in lines)
                    if tty
                    else b"".join(frame(which, line) for which, line in lines)
                )
    finally:
        await batches.aclose()


async def _within(
    context: contextlib.AbstractContextManager[None], body: AsyncGenerator[bytes, None]
) -> AsyncIterator[bytes]:
    """`body` inside `context`; closing this closes `body` (its child) at once."""
    try:
        with context:
            async for chunk in body:
                yield chunk
    finally:
        await body.aclose()


@router.get("/containers/{ref}/top")
async def container_top(
    ref: str,
    engine: EngineDep,
    ps_args_raw: Annotated[str | None, named("ps_args", "ps options (default -ef)")] = None,
) -> JSONResponse:
    return JSONResponse(await engine.top.processes(ref, (ps_args_raw or "").split()))
