"""Exec and attach routes at the HTTP layer (fake podman): validation, 404/409, records.

The streams themselves need a real connection and real podman: see test_hijack_contract.py and
tests/integration/test_streams_*.py.
"""

from __future__ import annotations

import httpx

from tests.fakes import FakePodman, fixture_json

RUNNING = fixture_json("container_inspect_running.json")
CREATED = fixture_json("container_inspect_created.json")
RUNNING_ID = RUNNING[0]["Id"]


def _inspect(fake: FakePodman, ref: str, data: object) -> None:
    fake.answer(["container", "inspect", "--format", "json", "--", ref], data)


async def test_exec_create_inspect_and_resize(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    _inspect(fake_podman, "web", RUNNING)
    body = {"Cmd": ["sh", "-c", "exit 4"], "AttachStdout": True, "Tty": True, "User": "1000"}
    created = await api.post("/v1.45/containers/web/exec", json=body)
    assert created.status_code == 201
    exec_id = created.json()["Id"]
    inspect = await api.get(f"/v1.45/exec/{exec_id}/json")
    assert inspect.status_code == 200
    data = inspect.json()
    assert data["ContainerID"] == RUNNING_ID
    assert (data["Running"], data["ExitCode"], data["OpenStdout"]) == (False, None, True)
    assert data["ProcessConfig"]["arguments"] == ["-c", "exit 4"]
    resized = await api.post(f"/v1.45/exec/{exec_id}/resize?h=20&w=70")
    assert resized.status_code == 200
    bad = await api.post(f"/v1.45/exec/{exec_id}/resize?h=x&w=70")
    assert bad.status_code == 400


async def test_exec_create_refusals(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(
        ["container", "inspect", "--format", "json", "--", "gone"],
        stderr="Error: no such container gone",
        rc=125,
    )
    _inspect(fake_podman, "made", CREATED)
    _inspect(fake_podman, "web", RUNNING)
    missing = await api.post("/v1.45/containers/gone/exec", json={"Cmd": ["true"]})
    assert (missing.status_code, missing.json()) == (404, {"message": "No such container: gone"})
    stopped = await api.post("/v1.45/containers/made/exec", json={"Cmd": ["true"]})
    assert stopped.status_code == 409
    assert stopped.json()["message"] == f"Container {CREATED[0]['Id']} is not running"
    empty = await api.post("/v1.45/containers/web/exec", json={"Cmd": []})
    assert (empty.status_code, empty.json()["message"]) == (400, "No exec command specified")
    no_body = await api.post("/v1.45/containers/web/exec")
    assert no_body.status_code == 400


async def test_unknown_exec_is_404(api: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/v1.45/exec/nope/json"),
        ("POST", "/v1.45/exec/nope/start"),
        ("POST", "/v1.45/exec/nope/resize?h=1&w=1"),
    ]:
        response = await api.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404
        assert response.json() == {"message": "No such exec instance: nope"}


async def test_exec_start_detached_runs_podman_exec_detach(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    _inspect(fake_podman, "web", RUNNING)
    _inspect(fake_podman, RUNNING_ID, RUNNING)
    fake_podman.answer(["exec", "--detach-keys=", "--detach"], "sessionid\n")
    exec_id = (
        await api.post("/v1.45/containers/web/exec", json={"Cmd": ["sleep", "5"], "Env": ["A=b"]})
    ).json()["Id"]
    started = await api.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert started.status_code == 200
    assert fake_podman.calls[-1] == [
        "exec",
        "--detach-keys=",
        "--detach",
        "--env",
        "A=b",
        "--",
        RUNNING_ID,
        "sleep",
        "5",
    ]
    again = await api.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert again.status_code == 409
    assert (await api.get(f"/v1.45/exec/{exec_id}/json")).json()["Running"] is True


async def test_attach_and_resize_errors(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(
        ["container", "inspect", "--format", "json", "--", "gone"],
        stderr="Error: no such container gone",
        rc=125,
    )
    _inspect(fake_podman, "made", CREATED)
    missing = await api.post("/v1.45/containers/gone/attach?stream=1&stdout=1")
    assert missing.status_code == 404
    keys = await api.post("/v1.45/containers/made/attach?stream=1&detachKeys=ctrl-1")
    assert keys.status_code == 400
    assert keys.json()["message"] == "Invalid detach keys (ctrl-1) provided"
    resize = await api.post("/v1.45/containers/made/resize?h=10&w=10")
    assert resize.status_code == 409
