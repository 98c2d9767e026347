"""api/answers.py: the answers a cold service sends without Starlette are the messages
Starlette's JSONResponse (or bare Response, for a 304) sends, and `as_response` gives FastAPI
the same bytes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message

from dockershim.api.answers import Answer, as_response, error_answer, exception_answer, json_answer
from dockershim.errors import Conflict, NotFound

CONTENTS: list[Any] = [
    {"Id": "abc", "Names": ["/ü-naïve"], "Labels": {"k": "v\u2028"}, "Size": 0},
    [],
    [{"a": None, "b": 1.5, "c": True}],
    "text",
]


async def _messages(app: ASGIApp) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("content", CONTENTS)
@pytest.mark.parametrize("status", [200, 201, 404])
async def test_a_json_answer_is_starlettes(content: Any, status: int) -> None:
    want = await _messages(JSONResponse(content, status_code=status))
    assert await _messages(json_answer(content, status)) == want
    assert await _messages(as_response(json_answer(content, status))) == want


@pytest.mark.parametrize(("status", "message"), [(404, "No such container: x"), (500, "é")])
async def test_an_error_is_a_message_with_its_status(status: int, message: str) -> None:
    want = await _messages(JSONResponse({"message": message}, status_code=status))
    assert await _messages(error_answer(status, message)) == want


async def test_a_304_has_no_body_length_or_type_as_starlettes() -> None:
    want = await _messages(Response(status_code=304))
    assert await _messages(error_answer(304, "ignored")) == want
    assert await _messages(as_response(error_answer(304, "ignored"))) == want
    assert want[0]["headers"] == []


def test_exceptions_keep_dockerds_status_and_hide_what_is_internal() -> None:
    assert exception_answer(NotFound("No such image: x")) == json_answer(
        {"message": "No such image: x"}, 404
    )
    assert exception_answer(Conflict("in use")).status == 409
    nul = exception_answer(ValueError("embedded null byte"))
    assert (nul.status, b"NUL byte" in nul.body) == (400, True)
    hidden = exception_answer(RuntimeError("/home/user/.local/share/secret path"))
    assert hidden.status == 500
    assert b"/home" not in hidden.body and b"internal error" in hidden.body


def test_an_answer_is_data() -> None:
    assert Answer(200, b"{}") == json_answer({})
    assert Answer(200, b"{}").headers() == [
        (b"content-length", b"2"),
        (b"content-type", b"application/json"),
    ]
