"""A podman child's output as the response body (export, cp out, image save).

The child is closed when the response ends, also when the client left before the body
iterator ever started (an unstarted generator's `finally` never runs). A child that fails
part way (engine/child.py's CutShort) ends the response unfinished: the status line is sent,
and a clean end would pass for a whole (short) tar, so the connection is closed before the
closing chunk and the client reports the read as cut short.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.types import Receive, Scope, Send

from dockershim.api.closing import ClosingStreamingResponse
from dockershim.engine.child import CutShort

log = logging.getLogger(__name__)


class ChildStream(ClosingStreamingResponse):
    def __init__(
        self,
        close: Callable[[], Awaitable[None]],
        body: AsyncIterator[bytes],
        *,
        what: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(body, media_type="application/x-tar", close=close, **kwargs)
        self._what = what

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except CutShort as exc:
            log.warning("%s ended part way: %s", self._what, exc.message)
