"""HTTP layer of the container routes against a fake podman (translation and status codes)."""

from __future__ import annotations

import httpx

from tests.fakes import FakePodman, fixture_json

NO_CTR = 'Error: no container with name or ID "ghost" found: no such container'


async def test_unknown_container_is_404_with_dockers_text(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["container", "inspect"], stderr=NO_CTR, rc=125)
    for method, path in [
        ("GET", "/v1.45/containers/ghost/json"),
        ("POST", "/v1.45/containers/ghost/start"),
        ("POST", "/v1.45/containers/ghost/stop"),
        ("DELETE", "/v1.45/containers/ghost"),
        ("POST", "/v1.45/containers/ghost/wait"),
    ]:
        resp = await api.request(method, path)
        assert resp.status_code == 404, (method, path)
        assert resp.json() == {"message": "No such container: ghost"}


async def test_create_bad_json_and_missing_image(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    resp = await api.post("/v1.45/containers/create", content=b"{nope")
    assert resp.status_code == 400
    fake_podman.answer(["image", "inspect"], stderr="Error: x: image not known", rc=125)
    resp = await api.post("/v1.45/containers/create", json={"Image": "nosuch"})
    assert resp.status_code == 404
    assert resp.json() == {"message": "No such image: nosuch:latest"}
    assert not any(call[0] == "create" for call in fake_podman.calls)


async def test_create_refused_field_never_runs_podman(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], '[{"Id": "abc"}]')
    resp = await api.post(
        "/v1.45/containers/create",
        json={"Image": "busybox", "HostConfig": {"VolumeDriver": "nfs"}},
    )
    assert resp.status_code == 400
    assert "VolumeDriver" in resp.json()["message"]
    assert not any(call[0] == "create" for call in fake_podman.calls)


async def test_create_returns_id_and_warnings(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["image", "inspect"], '[{"Id": "abc"}]')
    fake_podman.answer(["create"], "f" * 64 + "\n")
    resp = await api.post(
        "/v1.45/containers/create?name=web",
        json={"Image": "busybox", "HostConfig": {"Memory": 64 << 20}},
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["Id"] == "f" * 64
    assert any("memory limit" in w for w in body["Warnings"])
    create = next(c for c in fake_podman.calls if c[0] == "create")
    assert create[create.index("--name") + 1] == "web"


async def test_start_running_is_304_and_stop_exited_is_304(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["container", "inspect"], fixture_json("container_inspect_running.json"))
    resp = await api.post("/v1.45/containers/cap-running/start")
    assert resp.status_code == 304 and resp.content == b""
    fake_podman.answer(["container", "inspect"], fixture_json("container_inspect_exited.json"))
    resp = await api.post("/v1.45/containers/cap-exited/stop")
    assert resp.status_code == 304


async def test_wait_not_running_answers_at_once(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["container", "inspect"], fixture_json("container_inspect_exited.json"))
    resp = await api.post("/v1.45/containers/cap-exited/wait")
    assert resp.status_code == 200
    assert resp.json() == {"StatusCode": 3, "Error": None}


async def test_remove_running_without_force_is_409(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["container", "inspect"], fixture_json("container_inspect_running.json"))
    resp = await api.delete("/v1.45/containers/cap-running")
    assert resp.status_code == 409
    assert "container is running" in resp.json()["message"]
    assert not any(call[0] == "rm" for call in fake_podman.calls)


async def test_list_filters_validated(api: httpx.AsyncClient) -> None:
    resp = await api.get('/v1.45/containers/json?filters={"status":["sleepy"]}')
    assert resp.status_code == 400


async def test_create_foreign_platform_is_400(api: httpx.AsyncClient) -> None:
    resp = await api.post(
        "/v1.45/containers/create?platform=linux/arm64", json={"Image": "busybox"}
    )
    assert resp.status_code == 400
    assert "linux/amd64" in resp.json()["message"]
