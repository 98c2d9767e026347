"""The app a service starts with (api/lazyapp.py): /_ping and /version answered without FastAPI,
byte for byte as the full app answers them; everything else through the full app, built on
first need. Also: what the service imports before its first answer."""

from __future__ import annotations

import asyncio
import json
import os
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


# what a cold read leaves unimported: FastAPI and the routers (~0.4 s), Starlette's responses
# (~11 ms: anyio, http, email) and the engine's parts for changes and streams (~20 ms)
_NOT_FOR_A_READ = (
    "heavy = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'pydantic', 'anyio')"
    " or m in ('dockershim.api.app', 'dockershim.api.containers', 'starlette.routing',"
    " 'starlette.responses', 'dockershim.engine.lifecycle', 'dockershim.engine.attach',"
    " 'dockershim.engine.archive', 'dockershim.engine.builds', 'dockershim.engine.execs')]\n"
)


def test_a_cold_read_imports_the_engine_not_fastapi(tmp_path: Path) -> None:
    """A first `docker ps` after an activation: answered by api/reads.py with the engine's
    reading parts imported; FastAPI, the routers, Starlette's responses and the engine's
    parts for changes not (they follow, as after a quick answer)."""
    code = (
        "import asyncio, sys, httpx\n"
        "from dockershim.api import lazyapp\n"
        "from tests.fakes import FakePodman, fixture_json\n"
        "fake = FakePodman()\n"
        "fake.answer(['version'], fixture_json('version.json'))\n"
        "info = fixture_json('info.json')\n"
        f"info['store']['graphRoot'] = {str(tmp_path / 'storage')!r}  # no state to read\n"
        "fake.answer(['info'], info)\n"
        "fake.answer(['ps'], fixture_json('container_ps.json'))\n"
        "fake.answer(['container', 'inspect'], fixture_json('container_inspect_running.json'))\n"
        "fake.answer(['network', 'ls'], fixture_json('network-ls.json'))\n"
        f"lazy = lazyapp.LazyApp(fake, state_dir={str(tmp_path)!r})\n"
        "async def main():\n"
        "    transport = httpx.ASGITransport(app=lazy)\n"
        "    async with httpx.AsyncClient(transport=transport, base_url='http://d') as c:\n"
        "        r = await c.get('/v1.45/containers/json')\n"
        "    print(r.status_code, [c['Id'][:12] for c in r.json()])\n"
        "asyncio.run(main())\n" + _NOT_FOR_A_READ + "print(sorted(heavy), lazy.full)"
    )
    listed, imported = _printed(code).splitlines()
    assert listed.startswith("200 ['") and listed != "200 []"
    assert imported == "[] None"


@pytest.mark.parametrize("off_at_start", [True, False])
def test_the_cycle_collector_is_on_once_the_full_app_is_built(
    tmp_path: Path, off_at_start: bool
) -> None:
    """`dockershim serve` starts with the collector off (cli.cmd_serve): on again, with what
    the start-up made frozen, once the full app is built; a process that had it on (a test,
    an embedding) keeps it as it was, nothing frozen."""
    code = (
        "import asyncio, gc, httpx\n"
        f"if {off_at_start}: gc.disable()\n"
        "from dockershim.api import lazyapp\n"
        "from tests.fakes import FakePodman, fixture_json\n"
        "fake = FakePodman()\n"
        "fake.answer(['version'], fixture_json('version.json'))\n"
        "fake.answer(['info'], fixture_json('info.json'))\n"
        f"lazy = lazyapp.LazyApp(fake, state_dir={str(tmp_path)!r})\n"
        "async def main():\n"
        "    transport = httpx.ASGITransport(app=lazy)\n"
        "    async with httpx.AsyncClient(transport=transport, base_url='http://d') as c:\n"
        "        await c.get('/_ping')\n"
        "        print(gc.isenabled())\n"
        "        await lazy.load()\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "asyncio.run(main())\n"
    )
    before, after = _printed(code).splitlines()
    assert before == str(not off_at_start)
    assert after == ("True True" if off_at_start else "True False")


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
    await lazy_client.get("/v1.41/nosuch")  # nor for a read of the full app's
    assert wanted == [] and lazy.full is not None
    fresh = lazyapp.LazyApp(_podman(), state_dir=lazy.state_dir)
    fresh.service.want = lambda: wanted.append(fresh.full is not None)
    async with _client(fresh) as client:
        await client.post("/v1.41/containers/nosuch/start")
    assert wanted[0] is False  # asked for before the app existed
    assert fresh.full is not None
    assert fresh.full.state.backend.engine.service is fresh.service  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mode", "bridged"),
    [
        (None, True),  # Docker's default: the bridge
        ("default", True),
        ("bridge", True),
        ("mynet", True),  # a user network: a bridge in podman 4's shared namespace
        ("none", False),
        ("host", False),
        ("container:web", False),
        ("ns:/proc/1/ns/net", False),
        ("slirp4netns:port_handler=slirp4netns", False),
        ("pasta", False),
        ("private", False),
    ],
)
def test_a_create_body_tells_whether_its_container_is_on_a_bridge(
    mode: str | None, bridged: bool
) -> None:
    host = {} if mode is None else {"NetworkMode": mode}
    body = json.dumps({"Image": "busybox", "HostConfig": host}).encode()
    assert lazyapp._bridge_create([{"type": "http.request", "body": body}]) is bridged
    parts = [
        {"type": "http.request", "body": body[:9], "more_body": True},
        {"type": "http.request", "body": body[9:], "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]
    assert lazyapp._bridge_create(parts) is bridged  # a body in parts, read whole


@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "http.request", "body": b'{"Image": "busybox"}', "more_body": True}],
        [{"type": "http.request", "body": b"{not json"}],
        [{"type": "http.request", "body": b" " * (64 * 1024 + 1)}],
        [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}],
    ],
    ids=["not whole", "not JSON", "more than it reads", "disconnect"],
)
def test_a_body_it_cannot_read_begins_nothing(messages: list[dict[str, object]]) -> None:
    assert lazyapp._bridge_create(messages) is False


def _without_the_image() -> FakePodman:
    fake = _podman()
    fake.answer(["image", "inspect"], stderr="Error: nosuch-image: image not known", rc=125)
    return fake


def _holding_lazy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[lazyapp.LazyApp, list[tuple[str, str]]]:
    """A cold LazyApp with a service child folder, whose keeper pods are recorded, not made."""
    begun: list[tuple[str, str]] = []

    async def start_holder(podman: object, service: object, pod: str, infra: str) -> bool:
        begun.append((pod, infra))
        return True

    monkeypatch.setattr(lazyapp, "start_holder", start_holder)
    lazy = lazyapp.LazyApp(_without_the_image(), state_dir=str(tmp_path / "lazy"))
    lazy.service.folder = tmp_path / "child"  # as with the real service's child turned on
    lazy.service.want = lambda: None  # type: ignore[method-assign]
    return lazy, begun


async def test_a_cold_bridge_create_begins_the_keeper_pod_the_engine_takes_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold `docker run`: the pod holding podman 4's network namespace starts beside the full
    app's import, and the engine gets it instead of making its own; the body reaches the full
    app as the client sent it."""
    lazy, begun = _holding_lazy(tmp_path, monkeypatch)
    full = create_app(_without_the_image(), state_dir=str(tmp_path / "full"))
    body = {"Image": "nosuch-image", "Cmd": ["true"], "HostConfig": {"NetworkMode": "bridge"}}
    async with _client(lazy) as client, _client(full) as full_client:
        # compose up's creates come together: one pod, not one each
        answers = await asyncio.gather(
            *(client.post("/v1.41/containers/create", json=body) for _ in range(3))
        )
        for answer in answers:
            _same(answer, await full_client.post("/v1.41/containers/create", json=body))
    assert lazy.full is not None
    keeper = lazy.full.state.backend.engine.netns_hold  # type: ignore[attr-defined]
    taken = await keeper._take_ahead()
    assert len(begun) == 1
    pod, infra = begun[0]
    assert pod.startswith(f"dockershim-netns-keep-{os.getpid()}-") and infra == f"{pod}-infra"
    assert taken == pod


async def test_a_cold_create_without_a_bridge_begins_no_keeper_pod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy, begun = _holding_lazy(tmp_path, monkeypatch)
    body = {"Image": "nosuch-image", "HostConfig": {"NetworkMode": "none"}}
    async with _client(lazy) as client:
        await client.post("/v1.41/containers/create", json=body)
    assert begun == [] and lazy.full is not None
    keeper = lazy.full.state.backend.engine.netns_hold  # type: ignore[attr-defined]
    assert await keeper._take_ahead() is None


async def test_a_keeper_pod_whose_full_app_never_loaded_is_removed_at_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy, begun = _holding_lazy(tmp_path, monkeypatch)
    removed: list[str] = []

    async def remove_holder(podman: object, service: object, pod: str) -> None:
        removed.append(pod)

    monkeypatch.setattr(lazyapp, "remove_holder", remove_holder)

    async def broken(*args: object) -> None:
        raise RuntimeError("the full app cannot be built")

    monkeypatch.setattr(lazyapp.LazyApp, "_app", broken)
    body = json.dumps({"Image": "busybox"}).encode()
    messages = [{"type": "http.request", "body": body}]

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {"type": "http", "method": "POST", "path": "/v1.41/containers/create"}
    with pytest.raises(RuntimeError):
        await lazy(scope, receive, None)  # type: ignore[arg-type]
    await lazy._drop_unclaimed_hold()
    assert len(begun) == 1 and removed == [begun[0][0]]


async def test_a_cold_create_begins_the_import_before_its_body_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the body for its network must not hold the full app's import back."""
    lazy, _ = _holding_lazy(tmp_path, monkeypatch)
    body_sent = asyncio.Event()

    async def receive() -> dict[str, object]:
        await body_sent.wait()
        return {"type": "http.request", "body": b'{"Image": "nosuch-image"}'}

    answered: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        answered.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1.41/containers/create",
        "raw_path": b"/v1.41/containers/create",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    request = asyncio.create_task(lazy(scope, receive, send))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    assert lazy._loading is not None and not answered  # importing, the body still awaited
    body_sent.set()
    await asyncio.wait_for(request, 30)
    assert answered[0]["status"] == 404  # the image: the full app read the body
