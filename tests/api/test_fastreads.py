"""The hot reads' fast path (api/fastreads.py) answers byte for byte what FastAPI's routing
answers: the same requests against the app with and without it, on the same fake podman; and
a cold service (api/lazyapp.py) answers the reads of api/reads.py the same before its full app
exists."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from dockershim.api import exec as exec_routes
from dockershim.api import fastreads, lazyapp
from dockershim.api.app import create_app
from tests.fakes import FakePodman, fixture_json

NO_CTR = 'Error: no container with name or ID "ghost" found: no such container'
REQUESTS = [
    ("GET", "/_ping"),
    ("HEAD", "/_ping"),
    ("GET", "/v1.41/_ping"),
    ("GET", "/v9.99/_ping"),  # refused by the version middleware, outside the fast path
    ("GET", "/v1.45/version"),
    ("GET", "/v1.45/containers/json"),
    ("GET", "/v1.45/containers/json?all=1"),
    ("GET", "/v1.45/containers/json?all=1&size=true&limit=1"),
    ("GET", "/v1.45/containers/json?all=0&all=1"),  # the last of repeated keys counts
    ("GET", '/v1.45/containers/json?filters={"status":["running"]}'),
    ("GET", '/v1.45/containers/json?filters={"nope":["x"]}'),  # 400, Docker's text
    ("GET", "/v1.45/containers/json?limit=x"),
    ("GET", "/v1.45/containers/ghost/json"),  # 404 from the engine's podman error
    ("GET", "/v1.45/containers/%2e%2e/json"),
    ("GET", "/v1.24/containers/web/json?size=1&unknown=2"),
    ("GET", "/v1.45/images/json?all=1&digests=0"),
    ("GET", '/v1.45/images/json?filters={"dangling":["true"]}'),
    ("GET", "/v1.45/volumes"),
    ("GET", '/v1.45/volumes?filters={"name":["data"]}'),
    ("GET", '/v1.45/volumes?filters={"driver":'),  # bad JSON
    ("GET", "/v1.45/exec/" + "e" * 64 + "/json"),  # no such exec
    ("GET", "/v1.45/volumes/"),  # not a fast route: FastAPI either way
    ("GET", "/v1.45/images/busybox/json"),
    ("GET", "/v1.41/images/docker.io/library/busybox:latest/json"),  # a name with slashes
    ("GET", "/v1.45/images//json"),  # no name: FastAPI either way
    ("GET", "/v1.45/networks"),
    ("GET", '/v1.45/networks?filters={"dangling":["true"]}'),
    ("GET", '/v1.45/networks?filters={"type":["custom"]}'),
    ("GET", "/v1.45/networks/podman"),
    ("GET", "/v1.45/networks/host"),
    ("GET", "/v1.45/networks/podman?scope=swarm"),  # 404
    ("GET", "/v1.45/networks/podman?scope=galaxy&verbose=1"),  # 400
    ("GET", "/v1.45/info"),
    ("GET", "/v1.41/info"),
]


def _fake(tmp_path: Path) -> FakePodman:
    fake = FakePodman()
    fake.answer(["version"], fixture_json("version.json"))
    info = fixture_json("info.json")
    # one storage path for the apps of one test (each has a folder of tmp_path's): /info says it
    info["store"]["graphRoot"] = str(tmp_path.parent / "containers" / "storage")
    fake.answer(["info"], info)
    running = fixture_json("container_inspect_running.json")
    fake.answer(["ps"], fixture_json("container_ps.json"))
    fake.answer(["ps", "-a"], "")  # so that `all` shows in the answer
    fake.answer(["container", "inspect"], running)
    fake.answer(["container", "inspect", "--", "ghost"], stderr=NO_CTR, rc=125)
    fake.answer(["container", "inspect", "--", ".."], stderr=NO_CTR, rc=125)
    fake.answer(["images"], fixture_json("images.json"))
    fake.answer(["image", "inspect"], fixture_json("image-inspect-busybox.json"))
    fake.answer(["volume", "ls"], fixture_json("volume-ls.json"))
    fake.answer(["network", "ls"], fixture_json("network-ls.json"))
    fake.answer(["network", "inspect"], fixture_json("network-inspect.json"))
    return fake


Answer = tuple[int, list[tuple[str, str]], bytes]


async def _answers(tmp_path: Path, app: object = None) -> list[Answer]:
    app = app or create_app(_fake(tmp_path), state_dir=str(tmp_path))
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    out = []
    async with httpx.AsyncClient(transport=transport, base_url="http://docker") as client:
        for method, path in REQUESTS:
            response = await client.request(method, path)
            out.append(_answer(response))
    return out


async def test_fast_reads_answer_as_fastapi_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = await _answers(tmp_path / "fast")
    taken: list[str] = []
    real: Callable[[], list[tuple[str, object, object]]] = fastreads.full_routes

    def no_routes() -> list[tuple[str, object, object]]:
        taken.extend(method for method, _, _ in real())
        return []

    monkeypatch.setattr(fastreads, "full_routes", no_routes)
    slow = await _answers(tmp_path / "slow")
    assert len(taken) == 12  # every fast route was there to be dropped
    for (method, path), one, other in zip(REQUESTS, fast, slow, strict=True):
        assert one == other, (method, path)
    assert {status for status, _, _ in fast} >= {200, 400, 404}


def test_a_route_whose_parameters_changed_goes_back_to_fastapi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def exec_inspect(exec_id: str, backend: object, extra: str) -> None: ...

    monkeypatch.setattr(exec_routes, "exec_inspect", exec_inspect)
    patterns = [pattern.pattern for _, pattern, _ in fastreads.full_routes()]
    assert "/exec/([^/]+)/json" not in patterns and "/containers/json" in patterns


async def test_a_cold_service_answers_the_reads_before_its_full_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lazyapp, "WARM_UP_DELAY", 3600.0)  # loaded when the test says
    full = await _answers(tmp_path / "full")
    cold = 0
    for (method, path), want in zip(REQUESTS, full, strict=True):
        unversioned = re.sub(r"^/v[0-9.]+", "", urlsplit(path).path)
        if not any(m == method and p.fullmatch(unversioned) for m, p, _ in fastreads.READS):
            continue
        lazy = lazyapp.LazyApp(_fake(tmp_path / "cold"), state_dir=str(tmp_path / "cold"))
        assert await _answers_of(lazy, method, path) == [want], path
        assert lazy.full is None  # answered before the full app was built
        cold += 1
    assert cold == 26  # every request above for api/reads.py
    lazy = lazyapp.LazyApp(_fake(tmp_path / "one"), state_dir=str(tmp_path / "one"))
    await _answers_of(lazy, "GET", "/v1.45/containers/json")
    opened, _ = await lazy._open()
    built = await lazy.load()
    assert built.state.backend is opened  # type: ignore[attr-defined]  # one engine


async def _answers_of(app: object, method: str, path: str) -> list[Answer]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://docker") as client:
        response = await client.request(method, path)
    return [_answer(response)]


def _answer(response: httpx.Response) -> Answer:
    """The response, its clock reading (/info's SystemTime) left out."""
    content = re.sub(rb'"SystemTime":"[^"]*"', b'"SystemTime":""', response.content)
    return response.status_code, sorted(response.headers.items()), content
