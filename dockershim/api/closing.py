"""A streaming response that closes its body when the response ends, however it ends.

Starlette stops iterating a body when the client leaves and drops it unclosed. Python then
closes each abandoned async generator from a task of its own, and for generators that hold
each other (a body reading an engine stream that holds a subscription) those tasks run in
no fixed order: one closes an inner generator while another is still closing it through the
outer one ("aclose(): asynchronous generator is already running", logged as a task exception
no one retrieved), and what their `finally` blocks release (podman children, subscriptions)
waits for the garbage collector. Here the body is closed in the request's own task, outermost
first, before the response returns; each generator closes what it reads (`aclosing`). Then
`close` runs: also when the body never started, whose `finally` blocks never run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ClosingStreamingResponse(StreamingResponse):
    def __init__(
        self,
        content: AsyncIterator[Any],
        *,
        close: Callable[[], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(content, **kwargs)
        self._close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            try:
                if aclose is not None:
                    await aclose()
            finally:
                if self._close is not None:
                    # a cancelled request must not cut its child's reaping short
                    await asyncio.shield(self._close())
