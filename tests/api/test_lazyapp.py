"""The app a service starts with (api/lazyapp.py): /_ping and /version answered without FastAPI,
byte for byte as the full app answers them; everything else through the full app, built on
first need. Also: what the service imports before its first answer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dockershim.api import lazyapp
from dockershim.api.app import create_app
from tests.fakes import FakePodman, fixture_json

REPO = Path(__file__).resolve().parent.parent.parent
QUICK = [
    ("GET", "/_ping"),
    ("HEAD", "/_ping"),
    ("GET", "/version"),
    ("GET", "/v1.41/_ping"),
    ("HEAD", "/v1.24/_ping"),
    ("GET", "/v1.45/version"),
    ("GET", "/v1.99/version"),  # too new: the version middleware's 400
    ("GET", "/v1.12/_ping"),  # too old
]


def _podman(ok: bool = True) -> FakePodman:
    fake = FakePodman()
    if ok:
        fake.answer(["version"], fixture_json("version.json"))
        fake.answer(["info"], fixture_json("info.json"))
    else:
        fake.answer(["version"], stderr="Error: cannot connect to podman", rc=125)
        fake.answer(["info"], stderr="Error: cannot connect to podman", rc=125)
    return fake


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://docker")


@pytest.fixture(autouse=True)
def no_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazyapp, "WARM_UP_DELAY", 3600.0)  # the tests decide when it loads


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[lazyapp.LazyApp, httpx.AsyncClient, ...]]:
    lazy = lazyapp.LazyApp(_podman(), state_dir=str(tmp_path / "lazy"))
    full = create_app(_podman(), state_dir=str(tmp_path / "full"))
    async with _client(lazy) as lazy_client, _client(full) as full_client:
        yield lazy, lazy_client, full_client


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.headers.raw == b.headers.raw
    assert a.content == b.content


@pytest.mark.parametrize(("method", "path"), QUICK)
async def test_quick_answers_are_the_full_apps(pair: tuple, method: str, path: str) -> None:  # type: ignore[type-arg]
    lazy, lazy_client, full_client = pair
    _same(await lazy_client.request(method, path), await full_client.request(method, path))
    assert lazy.full is None  # answered without building the full app


async def test_other_requests_build_the_full_app_and_then_everything_goes_there(
    pair: tuple,  # type: ignore[type-arg]
) -> None:
    lazy, lazy_client, full_client = pair
    for path in ("/v1.41/nosuch", "/_ping", "/version"):
        _same(await lazy_client.get(path), await full_client.get(path))
        assert lazy.full is not None
    _same(await lazy_client.post("/_ping"), await full_client.post("/_ping"))


async def test_warm_up_builds_the_full_app_after_a_quick_answer(
    pair: tuple,  # type: ignore[type-arg]
) -> None:
    lazy, lazy_client, _ = pair
    await lazy_client.get("/_ping")
    assert lazy.full is None
    await lazy.load()
    assert lazy.full is not None
    assert lazy.full.state.backend.learned is lazy.learned  # type: ignore[attr-defined]


async def test_a_podman_failure_in_version_is_rendered_by_the_full_app(tmp_path: Path) -> None:
    lazy = lazyapp.LazyApp(_podman(ok=False), state_dir=str(tmp_path / "lazy"))
    full = create_app(_podman(ok=False), state_dir=str(tmp_path / "full"))
    async with _client(lazy) as lazy_client, _client(full) as full_client:
        got, want = await lazy_client.get("/version"), await full_client.get("/version")
    assert got.status_code >= 500
    _same(got, want)


def _printed(code: str) -> str:
    """What `code` prints, run by a fresh interpreter (nothing imported before it)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    return result.stdout.strip()


def test_the_service_starts_without_fastapi_or_the_routers() -> None:
    code = (
        "import sys, dockershim.cli, dockershim.api.lazyapp, dockershim.server.service\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'pydantic', 'anyio')"
        " or m in ('dockershim.api.app', 'dockershim.api.containers', 'starlette.routing')]\n"
        "print(sorted(heavy))"
    )
    assert _printed(code) == "[]"


def test_the_full_app_loads_no_http_client_until_a_registry_is_asked() -> None:
    """httpx (~50 ms and ~5 MiB here) serves only /distribution; podman's service child has
    a client of its own (podman/unix_http.py)."""
    code = (
        "import sys, dockershim.api.app\n"
        "dockershim.api.app.create_app()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'httpcore')))"
    )
    assert _printed(code) == "[]"


async def test_a_change_as_first_request_starts_the_service_child_before_the_full_app(
    pair: tuple,  # type: ignore[type-arg]
) -> None:
    """A cold `docker run`: podman's service child starts beside the full app's import, so
    the create finds it ready instead of running `podman create` (podman/service_child.py)."""
    lazy, lazy_client, _ = pair
    wanted: list[bool] = []  # whether the full app was built when the child was asked for
    lazy.service.want = lambda: wanted.append(lazy.full is not None)
    await lazy_client.get("/v1.41/containers/json")  # a read: no child for it
    assert wanted == [] and lazy.full is not None
    fresh = lazyapp.LazyApp(_podman(), state_dir=lazy.state_dir)
    fresh.service.want = lambda: wanted.append(fresh.full is not None)
    async with _client(fresh) as client:
        await client.post("/v1.41/containers/nosuch/start")
    assert wanted[0] is False  # asked for before the app existed
    assert fresh.full is not None
    assert fresh.full.state.backend.engine.service is fresh.service  # type: ignore[attr-defined]
