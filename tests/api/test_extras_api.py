"""HTTP layer of the extras (fake podman): swarm/plugin answers, input checks, events stream."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes import FakePodman

NOT_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
    "to connect this node to swarm and try again."
)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1.45/swarm"),
        ("GET", "/v1.45/nodes"),
        ("GET", "/v1.45/nodes/abc"),
        ("GET", "/v1.45/services"),
        ("POST", "/v1.45/services/create"),
        ("GET", "/v1.45/services/x/logs"),
        ("GET", "/v1.45/tasks"),
        ("GET", "/v1.45/secrets"),
        ("POST", "/v1.45/secrets/create"),
        ("DELETE", "/v1.45/configs/x"),
        ("GET", "/v1.45/swarm/unlockkey"),
        ("POST", "/v1.45/swarm/unlock"),
        ("POST", "/v1.45/swarm/update"),
    ],
)
async def test_swarm_routes_answer_as_a_non_manager(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(method, path)
    assert response.status_code == 503
    assert response.json() == {"message": NOT_MANAGER}


async def test_swarm_leave_init_and_plugins(api: httpx.AsyncClient) -> None:
    leave = await api.post("/swarm/leave")
    assert (leave.status_code, leave.json()) == (
        503,
        {"message": "This node is not part of a swarm"},
    )
    init = await api.post("/swarm/init", json={})
    assert init.status_code == 501 and "swarm mode is not supported" in init.json()["message"]
    assert (await api.get("/plugins")).json() == []
    inspect = await api.get("/plugins/vieux/sshfs:latest/json")
    assert (inspect.status_code, inspect.json()) == (
        404,
        {"message": 'plugin "vieux/sshfs:latest" not found'},
    )
    assert (await api.delete("/plugins/x")).status_code == 404
    assert (await api.post("/plugins/x/enable")).status_code == 404
    assert (await api.post("/plugins/pull?remote=x")).status_code == 501
    assert (await api.get("/plugins/privileges?remote=x")).status_code == 501


async def test_events_bad_filter_and_time(api: httpx.AsyncClient) -> None:
    bad = await api.get("/events", params={"filters": '{"bogus":["x"]}'})
    assert (bad.status_code, bad.json()) == (400, {"message": "invalid filter 'bogus'"})
    bad_time = await api.get("/events", params={"since": "yesterday"})
    assert bad_time.status_code == 400


async def test_stats_one_shot_and_stream_conflict(api: httpx.AsyncClient) -> None:
    response = await api.get("/containers/x/stats", params={"stream": "1", "one-shot": "1"})
    assert response.status_code == 400
    assert response.json() == {"message": "cannot have stream=true and one-shot=true"}


async def test_missing_container_is_404(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["container", "inspect"], "", stderr="Error: no such container nope", rc=125)
    for method, path in [
        ("GET", "/containers/nope/stats?stream=0"),
        ("GET", "/containers/nope/export"),
        ("GET", "/containers/nope/changes"),
        ("POST", "/containers/nope/update"),
    ]:
        response = await api.request(method, path)
        assert response.status_code == 404, path
        assert response.json() == {"message": "No such container: nope"}


async def test_archive_needs_a_path(api: httpx.AsyncClient) -> None:
    response = await api.get("/containers/x/archive")
    assert (response.status_code, response.json()) == (400, {"message": "path is required"})


async def test_system_df_type_check(api: httpx.AsyncClient) -> None:
    response = await api.get("/system/df", params={"type": "bogus"})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "unknown object type: bogus"},
    )
