"""Docker network names podman refuses: derived podman names, and the Docker name shown back."""

from __future__ import annotations

from typing import Any

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate import network_names as nn
from dockershim.translate import networks as tn
from dockershim.translate.container_create import create_argv
from dockershim.translate.events import docker_event

IMG = "docker.io/library/busybox:latest"


def _flag_values(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def test_names_podman_accepts_stay_unchanged() -> None:
    for name in ("n1", "my_net", "a.b-c", "podman", "0net"):
        assert nn.podman_name(name) == name
        assert not nn.is_derived(name)
    assert nn.podman_name("bridge") == "podman"


@pytest.mark.parametrize("name", ["my net", " lead", "-dash", "a:b", "ü", "x " * 150, "_u"])
def test_derived_names_are_valid_deterministic_and_distinct(name: str) -> None:
    derived = nn.podman_name(name)
    assert nn.PODMAN_NAME.match(derived) and len(derived) <= 61
    assert derived == nn.podman_name(name)
    assert nn.is_derived(name)
    assert derived != nn.podman_name(name + " ")


def test_same_sanitized_form_gives_different_podman_names() -> None:
    assert nn.podman_name("a b") != nn.podman_name("a:b")
    assert nn.podman_name("a b").startswith("a_b-")


def test_create_argv_labels_the_docker_name() -> None:
    argv = tn.create_argv({"Name": "my net"})
    assert argv[-2:] == ["--", nn.podman_name("my net")]
    assert f"{nn.NAME_LABEL}=my net" in argv
    plain = tn.create_argv({"Name": "mynet"})
    assert plain[-1] == "mynet" and not any(nn.NAME_LABEL in a for a in plain)


@pytest.mark.parametrize("name", ["", "   ", "a/b", "a\x00b", "\ud800"])
def test_names_dockerd_or_a_url_cannot_hold_are_refused(name: str) -> None:
    with pytest.raises(InvalidParameter):
        tn.create_argv({"Name": name})


def _podman_net(docker: str) -> dict[str, Any]:
    return {
        "name": nn.podman_name(docker),
        "id": "f" * 64,
        "driver": "bridge",
        "labels": {nn.NAME_LABEL: docker, "team": "a"},
    }


def test_inspect_and_list_show_the_docker_name() -> None:
    net = tn.network_to_docker(_podman_net("my net"))
    assert net["Name"] == "my net"
    assert net["Labels"] == {"team": "a"}  # the name label stays hidden
    assert tn.network_matches(net, {"name": ["my n"]}, set())
    assert nn.names_of([_podman_net("my net"), {"name": "podman"}, {"name": "n1"}]) == {
        nn.podman_name("my net"): "my net",
        "podman": "bridge",
    }


def test_endpoint_keys_renamed() -> None:
    derived = nn.podman_name("my net")
    renamed = nn.rename_endpoints({derived: {"IPAddress": "x"}, "n1": {}}, {derived: "my net"})
    assert renamed == {"my net": {"IPAddress": "x"}, "n1": {}}


def test_container_create_uses_the_podman_name() -> None:
    body = {
        "Image": "busybox",
        "HostConfig": {"NetworkMode": "my net"},
        "NetworkingConfig": {"EndpointsConfig": {"my net": {"Aliases": ["web"]}, "other": {}}},
    }
    args = create_argv(body, name=None, image=IMG).argv
    derived = nn.podman_name("my net")
    assert _flag_values(args, "--network") == [f"{derived}:alias=web", "other"]
    annotations = dict(a.split("=", 1) for a in _flag_values(args, "--annotation"))
    assert "my net" in annotations.values()  # NetworkMode, shown back as sent
    with pytest.raises(InvalidParameter):
        create_argv(
            {"Image": "busybox", "HostConfig": {"NetworkMode": "a/b"}}, name=None, image=IMG
        )


def test_network_events_name_the_docker_network() -> None:
    derived = nn.podman_name("my net")
    ev = {
        "Type": "network",
        "Status": "connect",
        "ID": "c" * 64,
        "network": derived,
        "Time": "2026-11-29T04:12:34Z",
    }
    message = docker_event(ev, {derived: "f" * 64}, {derived: "my net"})
    assert message is not None
    assert message["Actor"] == {
        "ID": "f" * 64,
        "Attributes": {"container": "c" * 64, "name": "my net", "type": "bridge"},
    }


def test_podman_messages_name_the_docker_network() -> None:
    body = {
        "HostConfig": {"NetworkMode": "my net"},
        "NetworkingConfig": {"EndpointsConfig": {"my net": {}, "n1": {}}},
    }
    assert nn.requested(body) == ["my net", "my net", "n1"]
    message = f"network {nn.podman_name('my net')} not found"
    assert nn.in_docker_words(message, nn.requested(body)) == "network my net not found"
