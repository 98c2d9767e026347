"""HTTP layer of the network and volume routes, with a fake podman (status codes, messages)."""

from __future__ import annotations

import httpx

from tests.fakes import FakePodman, fixture_json


async def test_builtin_host_network_needs_no_podman(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.45/networks/host")
    assert response.status_code == 200
    assert response.json()["Driver"] == "host"


async def test_remove_network_in_use_is_403(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["network", "ls"], fixture_json("network-inspect.json"))
    fake_podman.answer(["ps"], [{"Id": "abc", "State": "running", "Networks": ["capnet"]}])
    response = await api.delete("/v1.45/networks/capnet")
    assert response.status_code == 403
    assert "has active endpoints" in response.json()["message"]
    assert not any(call[:2] == ["network", "rm"] for call in fake_podman.calls)


async def test_remove_network_disconnects_stopped_containers(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(["network", "ls"], fixture_json("network-inspect.json"))
    fake_podman.answer(["ps"], [{"Id": "abc", "State": "exited", "Networks": ["capnet"]}])
    fake_podman.answer(["network", "disconnect"], "")
    fake_podman.answer(["network", "rm"], "capnet")
    response = await api.delete("/v1.45/networks/capnet")
    assert response.status_code == 204
    assert ["network", "disconnect", "--force", "--", "capnet", "abc"] in fake_podman.calls
    assert fake_podman.calls[-1] == ["network", "rm", "--", "capnet"]


async def test_create_refused_option_is_400(api: httpx.AsyncClient) -> None:
    body = {"Name": "n1", "Options": {"com.docker.network.bridge.name": "br0"}}
    response = await api.post("/v1.45/networks/create", json=body)
    assert response.status_code == 400
    assert "com.docker.network.bridge.name" in response.json()["message"]
    assert "cannot name the bridge" in response.json()["message"]


async def test_create_duplicate_network_is_409(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(
        ["network", "create"],
        stderr="Error: network name n1 already used: network already exists",
        rc=125,
    )
    response = await api.post("/v1.45/networks/create", json={"Name": "n1"})
    assert response.status_code == 409
    assert response.json()["message"] == "network with name n1 already exists"


async def test_volume_remove_missing(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["volume", "ls"], [{"Name": "v9x"}])
    fake_podman.answer(
        ["volume", "rm"], stderr='Error: no volume with name "v9" found: no such volume', rc=1
    )
    response = await api.delete("/v1.45/volumes/v9")
    assert response.status_code == 404
    assert response.json()["message"] == "get v9: no such volume"
    assert (await api.delete("/v1.45/volumes/v9?force=1")).status_code == 204
    # podman's rm would have taken "v9" as a prefix of "v9x": it is never asked
    assert not [c for c in fake_podman.calls if c[:2] == ["volume", "rm"]]


async def test_volume_remove_in_use_is_409_even_forced(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(
        ["volume", "rm"],
        stderr="Error: volume v1 is being used by the following container(s): 4c43ad90: "
        "volume is being used",
        rc=2,
    )
    fake_podman.answer(["volume", "ls"], [{"Name": "v1"}])
    response = await api.delete("/v1.45/volumes/v1?force=true")
    assert response.status_code == 409
    assert response.json()["message"] == "remove v1: volume is in use - [4c43ad90]"
    assert all("--force" not in call and "-f" not in call for call in fake_podman.calls)


async def test_volume_create_existing_returns_it(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    fake_podman.answer(
        ["volume", "create"],
        stderr="Error: volume with name capvol1 already exists: volume already exists",
        rc=125,
    )
    fake_podman.answer(["volume", "ls"], fixture_json("volume-ls.json"))
    response = await api.post("/v1.45/volumes/create", json={"Name": "capvol1"})
    assert response.status_code == 201
    assert response.json()["Name"] == "capvol1"


async def test_volume_list_shape(api: httpx.AsyncClient, fake_podman: FakePodman) -> None:
    fake_podman.answer(["volume", "ls"], fixture_json("volume-ls.json"))
    response = await api.get("/v1.45/volumes", params={"filters": '{"label": ["x=y"]}'})
    assert response.status_code == 200
    body = response.json()
    assert body["Warnings"] == []
    assert [v["Name"] for v in body["Volumes"]] == ["capvol1"]
    bad = await api.get("/v1.45/volumes", params={"filters": '{"size": ["1"]}'})
    assert bad.status_code == 400


async def test_inspect_with_swarm_scope_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1.45/networks/host", params={"scope": "swarm"})
    assert response.status_code == 404
    assert (await api.get("/v1.45/networks/host", params={"scope": "local"})).status_code == 200


def _lone_disconnect_answers(
    fake: FakePodman, version: str, others: list[dict[str, object]]
) -> None:
    running = fixture_json("container_inspect_running.json")
    fake.answer(["version"], {**fixture_json("version.json"), "Client": {"Version": version}})
    info = fixture_json("info.json")
    info["store"]["graphRoot"] = "/nonexistent"  # the CLI answers, not this machine's state
    fake.answer(["info"], info)
    fake.answer(["network", "ls"], fixture_json("network-inspect.json"))
    fake.answer(["container", "inspect"], running)
    ident = running[0]["Id"] if isinstance(running, list) else running["Id"]
    fake.answer(["ps"], [{"Id": ident, "State": "running", "Networks": ["capnet"]}, *others])
    for verb in (["network", "disconnect"], ["pod", "create"], ["pod", "start"], ["pod", "rm"]):
        fake.answer(verb, "")


def _pod_calls(fake: FakePodman) -> list[list[str]]:
    return [c for c in fake.calls if c[:1] == ["pod"] or c[:2] == ["network", "disconnect"]]


async def test_disconnect_of_the_only_running_container_holds_the_rootless_netns(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    """podman 4 would remove the shared namespace under the still running container
    (engine/netns_hold.py): a pod holds it while podman disconnects."""
    _lone_disconnect_answers(fake_podman, "4.3.1", [])
    body = {"Container": "cap-running"}
    response = await api.post("/v1.45/networks/capnet/disconnect", json=body)
    assert response.status_code == 200
    calls = _pod_calls(fake_podman)
    assert [c[:2] for c in calls] == [
        ["pod", "create"], ["pod", "start"], ["network", "disconnect"], ["pod", "rm"]
    ]  # fmt: skip
    pod = calls[0][calls[0].index("--name") + 1]
    assert pod.startswith("dockershim-netns-hold-")
    assert calls[0][calls[0].index("--network") + 1] == "bridge"
    assert calls[1][-1] == pod and calls[3][-1] == pod


async def test_disconnect_holds_nothing_when_another_container_keeps_the_netns(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    other = {"Id": "f" * 64, "State": "running", "Networks": ["podman"]}
    _lone_disconnect_answers(fake_podman, "4.3.1", [other])
    response = await api.post("/v1.45/networks/capnet/disconnect", json={"Container": "x"})
    assert response.status_code == 200
    assert [c[:2] for c in _pod_calls(fake_podman)] == [["network", "disconnect"]]


async def test_disconnect_holds_nothing_on_podman_5(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    _lone_disconnect_answers(fake_podman, "5.2.0", [])
    response = await api.post("/v1.45/networks/capnet/disconnect", json={"Container": "x"})
    assert response.status_code == 200
    assert [c[:2] for c in _pod_calls(fake_podman)] == [["network", "disconnect"]]


async def test_a_hold_that_cannot_start_leaves_the_disconnect_to_podman(
    api: httpx.AsyncClient, fake_podman: FakePodman
) -> None:
    _lone_disconnect_answers(fake_podman, "4.3.1", [])
    fake_podman.answer(["pod", "start"], stderr="Error: no pause image", rc=125)
    response = await api.post("/v1.45/networks/capnet/disconnect", json={"Container": "x"})
    assert response.status_code == 200
    assert [c[:2] for c in _pod_calls(fake_podman)] == [
        ["pod", "create"], ["pod", "start"], ["pod", "rm"], ["network", "disconnect"]
    ]  # fmt: skip
