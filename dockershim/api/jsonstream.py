"""Docker's newline-delimited JSON progress responses (pull, push, load, build, import).

dockerd answers with an HTTP error while nothing was written yet, and in-band
(`{"errorDetail": ..., "error": ...}` with status 200) once the stream has started. Each line is
flushed at once. The podman child behind a stream is closed (terminate -> kill -> reap) when the
stream ends or the client goes away.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from dockershim.api.answers import INTERNAL, client_fault
from dockershim.api.closing import ClosingStreamingResponse
from dockershim.errors import DockerError
from dockershim.translate.progress import error

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/json"


def encode(line: dict[str, Any]) -> bytes:
    return (json.dumps(line, separators=(",", ":")) + "\r\n").encode()


def stream_response(
    body: AsyncGenerator[dict[str, Any], None],
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> ClosingStreamingResponse:
    """A 200 progress stream of `body`'s lines; a DockerError raised by `body` becomes the
    stream's final in-band error line. `cleanup` runs before the stream's end goes out (a
    build's network pod is gone when `docker build` returns), or once the client left."""
    done = False

    async def run_cleanup() -> None:
        nonlocal done
        if cleanup is not None and not done:
            done = True
            try:
                await cleanup()
            except Exception as exc:  # the stream's answer stands; the failure is ours to log
                log.warning("progress stream cleanup failed", exc_info=exc)

    async def lines() -> AsyncIterator[bytes]:
        try:
            async with contextlib.aclosing(body):  # closed with the response, in its task
                async for line in body:
                    yield encode(line)
        except DockerError as exc:
            yield encode(error(exc.message))
        except Exception as exc:  # never a traceback to the client
            log.error("progress stream failed", exc_info=exc)
            yield encode(error(client_fault(exc) or INTERNAL))
        await run_cleanup()

    return ClosingStreamingResponse(lines(), media_type=MEDIA_TYPE, close=run_cleanup)
