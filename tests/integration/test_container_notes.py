"""What podman cannot change after create, kept by dockershim as dockerd shows it: `docker rm
--link`, link variables out of Config.Env, endpoint settings given at `network connect`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from tests.conftest import Cleanup, DockerRun, Shim

NOTES = Path(os.environ.get("XDG_RUNTIME_DIR", "/tmp")) / "dockershim" / "container-notes.json"


def _inspect(docker: DockerRun, name: str) -> dict[str, Any]:
    return dict(json.loads(docker("inspect", name).stdout)[0])


def _noted(container_id: str) -> bool:
    return NOTES.exists() and container_id in json.loads(NOTES.read_text())["notes"]


def test_rm_link_and_link_env(docker: DockerRun, cleanup: Cleanup) -> None:
    server, cache, client = cleanup.container(), cleanup.container(), cleanup.container()
    for name in (server, cache):
        docker("run", "-d", "--name", name, "-e", "SECRET=s3", "--expose", "8080", "busybox",
               "sleep", "300")  # fmt: skip
    docker("run", "-d", "--name", client, "-e", "MINE=1", "-e", "MY_DB_ENV_SECRET=client's",
           "--link", f"{server}:my-db", "--link", cache, "busybox", "sleep", "300")  # fmt: skip
    env = set(docker("exec", client, "env").stdout.split())
    assert {
        f"MY_DB_NAME=/{client}/my-db",
        f"{cache.upper().replace('-', '_')}_ENV_SECRET=s3",
    } <= env
    assert "MY_DB_ENV_SECRET=client's" in env  # the client's Env wins over the link's, as dockerd
    info = _inspect(docker, client)
    # Config.Env as sent (plus the image's), without the variables links add to the process
    config_env = info["Config"]["Env"]
    assert "MINE=1" in config_env and "MY_DB_ENV_SECRET=client's" in config_env
    assert any(e.startswith("PATH=") for e in config_env)
    assert not [e for e in config_env if e.startswith(("MY_DB_NAME", "MY_DB_PORT"))]
    assert not [e for e in config_env if "_ENV_SECRET=s3" in e]
    assert sorted(info["HostConfig"]["Links"]) == sorted(
        [f"/{server}:/{client}/my-db", f"/{cache}:/{client}/{cache}"]
    )

    # what cannot be removed, in dockerd's words
    failed = docker("rm", "--link", server, check=False)
    assert failed.returncode != 0
    assert "Conflict, cannot remove the default link name of the container" in failed.stderr
    for missing in (f"{client}/nope", f"{server}/my-db", "no-such-parent/my-db"):
        failed = docker("rm", "--link", missing, check=False)
        assert failed.returncode != 0 and f"No such container: {missing}" in failed.stderr

    removed = docker("rm", "--link", f"/{client}/my-db")
    assert removed.stdout.strip() == f"/{client}/my-db"
    info = _inspect(docker, client)
    assert info["HostConfig"]["Links"] == [f"/{cache}:/{client}/{cache}"]
    assert _noted(info["Id"])
    # the linked container is untouched, the parent's process environment too
    assert _inspect(docker, server)["State"]["Running"] is True
    assert f"MY_DB_NAME=/{client}/my-db" in docker("exec", client, "env").stdout.split()
    failed = docker("rm", "--link", f"{client}/my-db", check=False)  # gone already
    assert failed.returncode != 0 and f"No such container: {client}/my-db" in failed.stderr

    docker("rm", "--link", f"{client}/{cache}")
    assert _inspect(docker, client)["HostConfig"]["Links"] is None  # none left: null
    # removing the container removes what dockershim kept for it
    docker("rm", "-f", client)
    assert not _noted(info["Id"])


def test_rm_link_with_docker_py(dclient: Any, cleanup: Cleanup) -> None:
    server, gone, client = cleanup.container(), cleanup.container(), cleanup.container()
    for name in (server, gone):
        dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    parent = dclient.containers.run(
        "busybox", ["sleep", "300"], name=client, detach=True, links={server: "db", gone: "old"}
    )
    assert f"/{server}:/{client}/db" in parent.attrs["HostConfig"]["Links"]
    assert not [e for e in parent.attrs["Config"]["Env"] if e.startswith(("DB_", "OLD_"))]
    assert f"DB_NAME=/{client}/db" in parent.exec_run("env").output.decode().split()
    # a link whose container was removed names nothing any more (dockerd releases the name)
    dclient.api.remove_container(gone, force=True)
    with pytest.raises(docker.errors.NotFound):
        dclient.api.remove_container(f"{client}/old", link=True)
    with pytest.raises(docker.errors.NotFound):
        dclient.api.remove_container(f"{client}/other", link=True)
    with pytest.raises(docker.errors.APIError) as failed:
        dclient.api.remove_container(server, link=True)
    assert failed.value.response.status_code == 500  # dockerd's plain error
    dclient.api.remove_container(f"/{client}/db", link=True)
    parent.reload()
    assert parent.attrs["HostConfig"]["Links"] == [f"/{gone}:/{client}/old"]
    assert dclient.containers.get(server).status == "running"


def _network(dclient: Any, cleanup: Cleanup, subnet: str) -> str:
    name = cleanup.name("dst-net")
    cleanup.networks.append(name)
    pool = docker.types.IPAMPool(subnet=subnet)
    dclient.api.create_network(name, ipam=docker.types.IPAMConfig(pool_configs=[pool]))
    return name


def test_connect_endpoint_settings_shown_back(dclient: Any, cleanup: Cleanup, shim: Shim) -> None:
    first = _network(dclient, cleanup, "10.131.0.0/16")
    second = _network(dclient, cleanup, "10.132.0.0/16")
    server, name = cleanup.container(), cleanup.container()
    dclient.containers.run("busybox", ["sleep", "300"], name=server, detach=True, network=first)
    endpoint = dclient.api.create_endpoint_config(ipv4_address="10.131.0.40")
    dclient.api.create_container(
        "busybox",
        ["sleep", "300"],
        name=name,
        networking_config=dclient.api.create_networking_config({first: endpoint}),
    )
    dclient.api.start(name)
    dclient.api.connect_container_to_network(
        name,
        second,
        aliases=["web"],
        links=[(server, "srv")],
        ipv4_address="10.132.0.50",
        link_local_ips=["169.254.10.10"],
        driver_opt={"com.example.opt": "x"},
        mac_address="02:42:ac:11:00:98",
    )
    info = dclient.api.inspect_container(name)
    nets = info["NetworkSettings"]["Networks"]
    shown = nets[second]
    assert shown["IPAMConfig"] == {"IPv4Address": "10.132.0.50", "LinkLocalIPs": ["169.254.10.10"]}
    assert shown["IPAddress"] == "10.132.0.50"
    assert shown["Links"] == [f"{server}:srv"]
    assert shown["DriverOpts"] == {"com.example.opt": "x"}
    assert shown["Aliases"] == ["web"]
    assert shown["MacAddress"] == "02:42:ac:11:00:98"
    assert nets[first]["IPAMConfig"] == {"IPv4Address": "10.131.0.40"}  # from create, kept

    # a new service (after an idle exit) shows the same
    other = Shim(Path(shim.workdir) / "notes-restart", "--idle-timeout", "0")
    other.workdir.mkdir(exist_ok=True)
    other.start()
    try:
        again = docker.APIClient(base_url=other.url, version="auto")
        assert again.inspect_container(name)["NetworkSettings"]["Networks"][second] == shown
        again.close()
    finally:
        other.stop()

    # disconnected and connected again without settings: none shown, for either network
    dclient.api.disconnect_container_from_network(name, second)
    dclient.api.disconnect_container_from_network(name, first)
    assert set(dclient.api.inspect_container(name)["NetworkSettings"]["Networks"]) == set()
    dclient.api.connect_container_to_network(name, first)
    dclient.api.connect_container_to_network(name, second)
    nets = dclient.api.inspect_container(name)["NetworkSettings"]["Networks"]
    for net in (first, second):
        assert (nets[net]["IPAMConfig"], nets[net]["Links"], nets[net]["DriverOpts"]) == (
            None, None, None,
        )  # fmt: skip
    dclient.api.remove_container(name, force=True)
    assert not _noted(info["Id"])


def test_cli_network_connect_settings(docker: DockerRun, cleanup: Cleanup) -> None:
    net = cleanup.name("dst-net")
    cleanup.networks.append(net)
    docker("network", "create", "--subnet", "10.133.0.0/16", net)
    server, name = cleanup.container(), cleanup.container()
    docker("run", "-d", "--name", server, "--network", net, "busybox", "sleep", "300")
    docker("create", "--name", name, "busybox", "sleep", "300")  # stopped: connect works too
    docker("network", "connect", "--ip", "10.133.0.60", "--alias", "api", "--link",
           f"{server}:srv", "--driver-opt", "k=v", "--link-local-ip", "169.254.20.20", net,
           name)  # fmt: skip
    docker("start", name)
    shown = _inspect(docker, name)["NetworkSettings"]["Networks"][net]
    assert shown["IPAMConfig"] == {"IPv4Address": "10.133.0.60", "LinkLocalIPs": ["169.254.20.20"]}
    assert shown["IPAddress"] == "10.133.0.60"
    assert shown["Links"] == [f"{server}:srv"]
    assert shown["DriverOpts"] == {"k": "v"}
    assert "api" in shown["Aliases"]
    # connected again without settings: the earlier ones are not shown (the CLI may send an
    # empty IPAMConfig, shown as sent)
    docker("network", "disconnect", net, name)
    docker("network", "connect", net, name)
    shown = _inspect(docker, name)["NetworkSettings"]["Networks"][net]
    assert not shown["IPAMConfig"]
    assert (shown["Links"], shown["DriverOpts"]) == (None, None)
