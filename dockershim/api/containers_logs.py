"""Container logs (multiplexed unless TTY, follow, tail, since/until, timestamps) and top;
the podman side of both is the engine's (engine/logs.py, engine/top.py)."""

from __future__ import annotations

import asyncio
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
from dockershim.engine.child import Child
from dockershim.engine.log_file import LogFile
from dockershim.engine.logs import LogWindow
from dockershim.errors import InvalidParameter
from dockershim.streams.framing import STDERR, STDOUT, frame
from dockershim.translate.container_logs import docker_timestamp_line, timestamp_ns

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
    tty, child = reader.tty, reader.child
    multiplexed = "application/vnd.docker.multiplexed-stream"
    if api_version(request.scope) < (1, 42):
        multiplexed = "application/vnd.docker.raw-stream"
    media = "application/vnd.docker.raw-stream" if tty else multiplexed
    exits = backend.sessions.exits
    following = exits.following(str(reader.container["Id"])) if follow else contextlib.nullcontext()
    if child is not None:
        body = _pump(child, tty=tty, want_out=want_out, want_err=want_err, timestamps=timestamps)
    else:
        assert reader.file is not None
        body = _from_file(
            reader.file, tty=tty, want=_wanted(want_out, want_err), timestamps=timestamps
        )
    return ClosingStreamingResponse(_within(following, body), media_type=media)


def _wanted(want_out: bool, want_err: bool) -> set[int]:
    return {which for which, wanted in ((STDOUT, want_out), (STDERR, want_err)) if wanted}


async def _from_file(
    file: LogFile, *, tty: bool, want: set[int], timestamps: bool
) -> AsyncGenerator[bytes, None]:
    """The framed records of a followed log file (engine/log_file.py), one frame per record."""
    batches = file.batches()
    try:
        yield b""  # head now: `logs -f` on a quiet container must not look hung
        async for batch in batches:
            lines = [
                (which, docker_timestamp_line(line) if timestamps else line)
                for which, line in batch
                if which in want
            ]
            if lines:
                yield (
                    b"".join(line for _, line in lines)
                    if tty
                    else b"".join(frame(which, line) for which, line in lines)
                )
    finally:
        await batches.aclose()
        file.close()


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


async def _pump(
    child: Child, *, tty: bool, want_out: bool, want_err: bool, timestamps: bool
) -> AsyncGenerator[bytes, None]:
    queue: asyncio.Queue[tuple[int, list[bytes]] | None] = asyncio.Queue(maxsize=64)

    async def read(stream: asyncio.StreamReader | None, which: int) -> None:
        try:
            async for lines in _lines(stream):
                if timestamps:
                    lines = [docker_timestamp_line(line) for line in lines]
                await queue.put((which, lines))
        except asyncio.CancelledError:
            return
        except OSError:
            pass
        await queue.put(None)

    readers = [
        asyncio.ensure_future(read(child.process.stdout, STDOUT)),
        asyncio.ensure_future(read(child.process.stderr, STDERR)),
    ]
    try:
        yield b""  # head now: `logs -f` on a quiet container must not look hung
        open_readers = len(readers)
        while open_readers:
            item = await queue.get()
            if item is None:
                open_readers -= 1
                continue
            which, lines = item
            if (which == STDOUT and not want_out) or (which == STDERR and not want_err):
                continue
            # one frame per line as written (dockerd: one per log message), sent together
            yield b"".join(lines) if tty else b"".join(frame(which, line) for line in lines)
    finally:
        for task in readers:
            task.cancel()
        for task in readers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await child.close()


_READ = 1 << 16  # also the longest line kept whole: dockerd splits long messages too


async def _lines(stream: asyncio.StreamReader | None) -> AsyncGenerator[list[bytes], None]:
    """The log lines as written, in batches of what was there to read at once (a 10 MiB log
    is not 100k round trips through the event loop); a line longer than _READ in pieces."""
    pending = b""
    while stream is not None:
        chunk = await stream.read(_READ)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        batch = [line + b"\n" for line in lines]
        if len(pending) >= _READ:
            batch.append(pending)
            pending = b""
        if batch:
            yield batch
    if pending:
        yield [pending]  # the last line without its newline


@router.get("/containers/{ref}/top")
async def container_top(
    ref: str,
    engine: EngineDep,
    ps_args_raw: Annotated[str | None, named("ps_args", "ps options (default -ef)")] = None,
) -> JSONResponse:
    return JSONResponse(await engine.top.processes(ref, (ps_args_raw or "").split()))
