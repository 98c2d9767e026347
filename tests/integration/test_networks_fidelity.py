"""Network details client suites check (docker-py, the CLI) against rootless podman."""

from __future__ import annotations

import json
from typing import Any

import docker.errors
import pytest
from docker.types import IPAMConfig, IPAMPool

from tests.conftest import Cleanup, DockerRun


def _network(dclient: Any, cleanup: Cleanup, **kwargs: Any) -> str:
    name = cleanup.name("dst-net")
    cleanup.networks.append(name)
    dclient.api.create_network(name, **kwargs)
    return name


def test_ipam_aux_addresses_and_options(dclient: Any, cleanup: Cleanup) -> None:
    pool = IPAMPool(
        subnet="10.123.0.0/16",
        gateway="10.123.0.254",
        iprange="10.123.5.0/24",
        aux_addresses={"reserved": "10.123.1.1"},
    )
    options = {"com.docker.network.driver.mtu": "1400"}
    name = _network(dclient, cleanup, ipam=IPAMConfig(pool_configs=[pool]), options=options)
    info = dclient.api.inspect_network(name)
    assert info["IPAM"]["Config"] == [
        {
            "Subnet": "10.123.0.0/16",
            "Gateway": "10.123.0.254",
            "IPRange": "10.123.5.0/24",
            "AuxiliaryAddresses": {"reserved": "10.123.1.1"},
        }
    ]
    assert info["Options"] == options
    # an address podman might hand out cannot be reserved: refused, saying why
    inside = IPAMPool(subnet="10.124.0.0/16", aux_addresses={"r": "10.124.0.9"})
    with pytest.raises(docker.errors.APIError, match="IPRange that leaves it out"):
        dclient.api.create_network(cleanup.name(), ipam=IPAMConfig(pool_configs=[inside]))


def test_endpoint_settings_shown_back(dclient: Any, cleanup: Cleanup) -> None:
    pool = IPAMPool(subnet="10.125.0.0/16", iprange="10.125.5.0/24")
    net = _network(dclient, cleanup, ipam=IPAMConfig(pool_configs=[pool]))
    other = _network(dclient, cleanup)
    endpoint = dclient.api.create_endpoint_config(
        aliases=["web"],
        ipv4_address="10.125.5.7",
        mac_address="02:42:ac:11:00:99",
        driver_opt={"opt": "x"},
    )
    name = cleanup.container()
    dclient.api.create_container(
        "busybox",
        ["sleep", "300"],
        name=name,
        networking_config=dclient.api.create_networking_config({net: endpoint, other: {}}),
    )
    dclient.api.start(name)
    info = dclient.api.inspect_container(name)
    nets = info["NetworkSettings"]["Networks"]
    assert set(nets) == {net, other}  # the declared networks only, no bridge
    mine = nets[net]
    assert mine["IPAMConfig"] == {"IPv4Address": "10.125.5.7"}
    assert mine["IPAddress"] == "10.125.5.7"
    assert mine["MacAddress"] == "02:42:ac:11:00:99"
    assert mine["DriverOpts"] == {"opt": "x"}
    assert mine["Aliases"] == ["web"]  # API 1.45: no short id among the aliases
    assert info["Id"][:12] in (mine["DNSNames"] or [])


def test_cli_network_run_ip(docker: DockerRun, cleanup: Cleanup) -> None:
    net = cleanup.name("dst-net")
    cleanup.networks.append(net)
    docker(
        "network",
        "create",
        "--subnet",
        "10.126.0.0/16",
        "--ip-range",
        "10.126.9.0/24",
        "--aux-address",
        "host1=10.126.1.1",
        net,
    )
    inspect = json.loads(docker("network", "inspect", net).stdout)[0]
    assert inspect["IPAM"]["Config"][0]["AuxiliaryAddresses"] == {"host1": "10.126.1.1"}
    name = cleanup.container()
    docker(
        "run",
        "-d",
        "--name",
        name,
        "--network",
        net,
        "--ip",
        "10.126.9.9",
        "busybox",
        "sleep",
        "300",
    )
    shown = json.loads(docker("inspect", name).stdout)[0]["NetworkSettings"]["Networks"][net]
    assert shown["IPAMConfig"]["IPv4Address"] == "10.126.9.9"
    assert shown["IPAddress"] == "10.126.9.9"


def test_legacy_link_environment(docker: DockerRun, cleanup: Cleanup) -> None:
    server, client = cleanup.container(), cleanup.container()
    docker(
        "run",
        "-d",
        "--name",
        server,
        "-e",
        "SECRET=s3",
        "--expose",
        "8080",
        "busybox",
        "sleep",
        "300",
    )
    server_ip = json.loads(docker("inspect", server).stdout)[0]["NetworkSettings"]["IPAddress"]
    docker("run", "-d", "--name", client, "--link", f"{server}:my-db", "busybox", "sleep", "300")
    env = set(docker("exec", client, "env").stdout.split())
    assert {
        f"MY_DB_NAME=/{client}/my-db",
        f"MY_DB_PORT=tcp://{server_ip}:8080",
        f"MY_DB_PORT_8080_TCP=tcp://{server_ip}:8080",
        f"MY_DB_PORT_8080_TCP_ADDR={server_ip}",
        "MY_DB_PORT_8080_TCP_PORT=8080",
        "MY_DB_PORT_8080_TCP_PROTO=tcp",
        "MY_DB_ENV_SECRET=s3",
    } <= env
    links = json.loads(docker("inspect", client).stdout)[0]["HostConfig"]["Links"]
    assert links == [f"/{server}:/{client}/my-db"]
    # (`docker rm --link` and Config.Env: test_container_notes.py)
