"""engine/top.py: which `docker top` goes to podman's service child and which to `podman
top`, and what an answer the child cannot give (its 200 with nothing in it) falls back to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dockershim.engine.top import Top
from dockershim.errors import InvalidParameter
from dockershim.podman.service_child import ServiceAnswer
from tests.fakes import FakePodman

CID = "c" * 64
PS_LINES = {"Titles": ["PID   USER     COMMAND"], "Processes": [["1 root     sleep 9"]]}


class _Containers:
    async def inspect(self, ref: str) -> dict[str, Any]:
        return {"Id": CID, "State": {"Status": "running"}}


class _Child:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.ready = True
        self.wanted = False
        self.calls: list[tuple[str, object]] = []

    def ready_else_want(self) -> bool:
        self.wanted = True
        return self.ready

    async def call(self, method: str, path: str, params: Any = None, **_: Any) -> ServiceAnswer:
        self.calls.append((path, params))
        return ServiceAnswer(200, self.body)


def _top(podman: FakePodman, child: _Child) -> Top:
    return Top(podman, _Containers(), child)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_one_ps_args_word_goes_to_the_child_without_a_process() -> None:
    podman, child = FakePodman(), _Child(json.dumps(PS_LINES).encode())
    body = await _top(podman, child).processes("x", ["aux"])
    assert body == {"Titles": ["PID", "USER", "COMMAND"], "Processes": [["1", "root", "sleep 9"]]}
    assert child.calls == [(f"/containers/{CID}/top", {"ps_args": "aux"})]
    assert podman.calls == []


@pytest.mark.asyncio
async def test_several_words_go_to_the_child_as_one_string() -> None:
    podman, child = FakePodman(), _Child(json.dumps(PS_LINES).encode())
    await _top(podman, child).processes("x", ["-o", "pid,user,comm"])
    await _top(podman, child).processes("x", ["pid", "user"])
    assert [params for _, params in child.calls] == [
        {"ps_args": "-o pid,user,comm"},
        {"ps_args": "pid,user"},
    ]
    assert podman.calls == []


@pytest.mark.asyncio
async def test_words_shlex_would_change_or_a_failed_ps_go_to_podman_top() -> None:
    podman = FakePodman()
    podman.answer(["top", "--", CID, "-o", "'pid'"], "PID\n1\n")
    podman.answer(["top", "--", CID, "--bogus"], rc=125, stderr="Error: ps: unrecognized option")
    child = _Child(json.dumps(PS_LINES).encode())
    body = await _top(podman, child).processes("x", ["-o", "'pid'"])
    assert body == {"Titles": ["PID"], "Processes": [["1"]]} and child.calls == []
    child.body = b""  # libpod's top has answered 200 before ps failed: nothing follows
    with pytest.raises(InvalidParameter, match="unrecognized option"):
        await _top(podman, child).processes("x", ["--bogus"])
    assert len(child.calls) == 1 and podman.calls[-1] == ["top", "--", CID, "--bogus"]


@pytest.mark.asyncio
async def test_a_child_not_running_yet_is_started_for_the_next_top() -> None:
    podman = FakePodman()
    podman.answer(["top", "--", CID, "aux"], "PID USER COMMAND\n1 root sleep 9\n")
    child = _Child(json.dumps(PS_LINES).encode())
    child.ready = False
    body = await _top(podman, child).processes("x", ["aux"])
    assert body["Processes"] == [["1", "root", "sleep 9"]]
    assert child.wanted and child.calls == [] and len(podman.calls) == 1
