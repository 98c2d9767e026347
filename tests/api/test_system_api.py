"""HTTP layer of the system routes, versioning and error shapes (fake podman)."""

from __future__ import annotations

import httpx

from tests.fakes import FakePodman


async def test_ping_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/_ping")
    assert response.status_code == 200
    assert response.text == "OK"
    headers = response.headers
    assert headers["api-version"] == "1.45"
    assert headers["ostype"] == "linux"
    assert headers["docker-experimental"] == "false"
    assert headers["cache-control"].startswith("no-cache")
    assert headers["pragma"] == "no-cache"
    assert "builder-version" in headers
    assert headers["server"].startswith("Docker/")


async def test_head_ping_is_empty(api: httpx.AsyncClient) -> None:
    response = await api.head("/_ping")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_versioned_paths_route_the_same(api: httpx.AsyncClient) -> None:
    for path in ("/_ping", "/v1.24/_ping", "/v1.41/_ping", "/v1.45/_ping"):
        response = await api.get(path)
        assert response.status_code == 200, path
        assert response.text == "OK"


async def test_too_new_version(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.99/version")
    assert response.status_code == 400
    assert response.json() == {
        "message": "client version 1.99 is too new. Maximum supported API version is 1.45"
    }


async def test_too_old_version(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.12/version")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "client version 1.12 is too old. Minimum supported API version is 1.24, "
        "please upgrade your client to a newer version"
    )


async def test_unknown_route_is_docker_404(api: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/nope"), ("GET", "/v1.41/nope/deeper"), ("DELETE", "/_ping")):
        response = await api.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"message": "page not found"}


async def test_version_shape(api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1.41/version")).json()
    assert body["ApiVersion"] == "1.45"
    assert body["MinAPIVersion"] == "1.24"
    assert body["Os"] == "linux"
    names = [c["Name"] for c in body["Components"]]
    assert names[0] == "Engine"
    assert "Podman Engine" in names and "Conmon" in names and "runc" in names
    podman = next(c for c in body["Components"] if c["Name"] == "Podman Engine")
    assert podman["Version"] == "4.3.1"


async def test_version_is_cached(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    await api.get("/version")
    calls = len(fake_podman.calls)
    await api.get("/version")
    assert len(fake_podman.calls) == calls


async def test_info_shape(api: httpx.AsyncClient) -> None:
    body = (await api.get("/info")).json()
    assert "name=rootless" in body["SecurityOptions"]
    assert body["Driver"] == "vfs"
    assert body["CgroupVersion"] == "1"
    assert body["CgroupDriver"] == "cgroupfs"
    assert body["NCPU"] >= 1 and body["MemTotal"] > 0
    assert body["DockerRootDir"].endswith("containers/storage")
    for key in (
        "Containers",
        "ContainersRunning",
        "ContainersPaused",
        "ContainersStopped",
        "Images",
    ):
        assert isinstance(body[key], int)
    assert body["Swarm"]["LocalNodeState"] == "inactive"


async def test_podman_failure_is_500_json(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["info"], "", stderr="Error: something broke badly", rc=125)
    response = await api.get("/info")
    assert response.status_code == 500
    assert response.json() == {"message": "something broke badly"}
