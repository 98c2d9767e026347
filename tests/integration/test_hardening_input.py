"""Bad input through the socket: each a 4xx with a message a user understands, never a 500 with
a Python exception or an internal path in it."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Cleanup, Shim

DEEP = "[" * 1500 + "]" * 1500


@pytest.fixture(scope="module")
def api(shim: Shim) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(uds=shim.socket)
    with httpx.Client(transport=transport, base_url="http://docker/v1.45", timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def container(api: httpx.Client) -> Iterator[str]:
    reply = api.post("/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    assert reply.status_code == 201, reply.text
    ident = str(reply.json()["Id"])
    yield ident
    api.delete(f"/containers/{ident}", params={"force": "1"})


def _refused(reply: httpx.Response, status: int = 400) -> str:
    assert reply.status_code == status, reply.text
    message = str(reply.json()["message"])
    for internal in ("internal error", "Traceback", "Error:", "/tmp/", "/run/user/"):
        assert internal not in message
    return message


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"tail": "²"}, "tail"),
        ({"since": "2024-13-01T00:00:00Z"}, "since"),
        ({"until": "1e400"}, "until"),
    ],
)
def test_logs_query(api: httpx.Client, container: str, params: dict[str, str], words: str) -> None:
    reply = api.get(f"/containers/{container}/logs", params={"stdout": "1", **params})
    assert words in _refused(reply)


def test_logs_since_far_future_is_empty(api: httpx.Client, container: str) -> None:
    # dockerd takes any number of seconds; the year 3 million has no logs yet
    reply = api.get(
        f"/containers/{container}/logs", params={"stdout": "1", "since": "99999999999999"}
    )
    assert reply.status_code == 200 and reply.content == b""


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2024-13-01T00:00:00Z"},
        {"since": "20", "until": "10"},
        {"until": "1e400"},
        {"filters": DEEP},
    ],
)
def test_events_query(api: httpx.Client, params: dict[str, str]) -> None:
    _refused(api.get("/events", params=params))


def test_attach_detach_keys(api: httpx.Client, container: str) -> None:
    reply = api.post(
        f"/containers/{container}/attach", params={"stream": "1", "stdout": "1", "detachKeys": "€"}
    )
    assert "detach" in _refused(reply).lower()


@pytest.mark.parametrize(
    "body",
    [
        {"Image": "busybox", "HostConfig": {"ExtraHosts": 5}},
        {"Image": "busybox", "Cmd": ["echo", "a\u0000b"]},
        {"Image": "busybox", "Env": ["A=\u0000"]},
        {"Image": "busybox", "Labels": {"a\u0000": "b"}},
    ],
)
def test_create_body(api: httpx.Client, body: dict[str, Any]) -> None:
    _refused(api.post("/containers/create", json=body))


def test_create_name_with_nul(api: httpx.Client) -> None:
    _refused(api.post("/containers/create", params={"name": "a\u0000b"}, json={"Image": "busybox"}))


@pytest.mark.parametrize("path", ["/containers/create", "/networks/create", "/volumes/create"])
def test_deep_json_body(api: httpx.Client, path: str) -> None:
    body = '{"Image": "busybox", "Labels": {"a": ' + DEEP + "}}"
    reply = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert "nested" in _refused(reply)


@pytest.mark.parametrize("path", ["/containers/json", "/images/json", "/networks", "/volumes"])
def test_deep_filters(api: httpx.Client, path: str) -> None:
    _refused(api.get(path, params={"filters": '{"label": ' + DEEP + "}"}))


def test_oversized_json_body(api: httpx.Client) -> None:
    body = json.dumps({"Image": "busybox", "Labels": {"a": "x" * (9 << 20)}})
    reply = api.post("/containers/create", content=body)
    _refused(reply, 413)


def test_exec_with_nul_in_command(api: httpx.Client, cleanup: Cleanup) -> None:
    name = cleanup.container()
    reply = api.post(
        "/containers/create",
        params={"name": name},
        json={"Image": "busybox", "Cmd": ["sleep", "60"]},
    )
    assert reply.status_code == 201
    assert api.post(f"/containers/{name}/start").status_code == 204
    reply = api.post(f"/containers/{name}/exec", json={"Cmd": ["echo", "a\u0000b"]})
    _refused(reply)


def test_build_context_with_symlink_loop(api: httpx.Client) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name, target in (("a", "b"), ("b", "a")):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.SYMTYPE, target
            tar.addfile(link)
        content = b"FROM busybox\n"
        entry = tarfile.TarInfo("a/Dockerfile")
        entry.size = len(content)
        tar.addfile(entry, io.BytesIO(content))
    reply = api.post(
        "/build", content=data.getvalue(), headers={"Content-Type": "application/x-tar"}
    )
    _refused(reply)
