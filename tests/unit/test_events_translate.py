"""podman events (golden capture from podman 4.3.1) -> Docker event messages, and filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.container_logs import timestamp_ns
from dockershim.translate.events import (
    EventFilter,
    docker_event,
    parse_time_ns,
)
from tests.fakes import FIXTURES

CTR = "6f88835a8493ccc5b4e6f2d04c19f9a3d756ef9d97c68763fa193502f9238713"


def _messages(**filters: list[str]) -> list[dict[str, Any]]:
    lines = (FIXTURES / "events.jsonl").read_text().splitlines()
    out = []
    for line in lines:
        message = docker_event(json.loads(line), {"fxnet": "f00dcafe"})
        if message is not None and EventFilter(dict(filters)).include(message):
            out.append(message)
    return out


def test_container_lifecycle_actions_in_order() -> None:
    actions = [m["Action"] for m in _messages(container=["fxc"])]
    assert actions == ["create", "start", "exec_start", "exec_die", "kill", "die", "destroy"]


def test_die_carries_exit_code_labels_image_and_name() -> None:
    die = next(m for m in _messages(event=["die"]))
    assert die["Type"] == "container"
    assert die["Actor"]["ID"] == CTR
    assert die["Actor"]["Attributes"] == {
        "app": "fx",
        "exitCode": "137",
        "image": "busybox:latest",
        "name": "fxc",
    }
    assert die["status"] == "die" and die["id"] == CTR and die["from"] == "busybox:latest"
    assert die["scope"] == "local"
    assert die["timeNano"] == 1795925555344849720
    assert die["time"] == 1795925555


def test_image_volume_network_events() -> None:
    images = _messages(type=["image"])
    assert [m["Action"] for m in images] == ["pull", "pull", "tag", "untag", "delete"]
    assert images[0]["Actor"]["ID"] == "busybox:latest"
    assert images[2]["Actor"] == {
        "ID": "sha256:1830655053eb8698196ce542cf398a84ae4f2fd50baf9700d85c95f8be5138f1",
        "Attributes": {"name": "fxtag:1"},
    }
    volumes = _messages(type=["volume"])
    assert [(m["Action"], m["Actor"]["ID"]) for m in volumes] == [
        ("create", "fxv"),
        ("destroy", "fxv"),
    ]
    assert "status" not in volumes[0]
    (network,) = _messages(type=["network"])
    assert network["Action"] == "disconnect"
    assert network["Actor"]["ID"] == "f00dcafe"
    assert network["Actor"]["Attributes"]["name"] == "fxnet"
    assert network["Actor"]["Attributes"]["container"].startswith("ffbe4f19")


def test_podman_only_statuses_are_dropped() -> None:
    for status in ("init", "cleanup", "mount", "sync"):
        ev = {"Type": "container", "Status": status, "Time": "2026-11-29T04:12:34Z", "ID": "x"}
        assert docker_event(ev) is None
    assert docker_event({"Type": "pod", "Status": "create", "Time": "2026-11-29T04:12:34Z"}) is None


def test_filters_follow_dockerd() -> None:
    # container filter: name or ID prefix; other event types no longer match
    assert {m["Type"] for m in _messages(container=[CTR[:12]])} == {"container"}
    # event filter values are OR-ed, keys AND-ed
    both = _messages(event=["create", "destroy"], container=["fxd"])
    assert [m["Action"] for m in both] == ["create", "destroy"]
    # labels: every label filter must match
    assert len(_messages(label=["app=fx"])) == 7
    assert _messages(label=["app=fx", "other"]) == []
    assert _messages(label=["app=nope"]) == []
    # image filter: the image of a container event, with or without its tag
    assert len(_messages(image=["busybox"], type=["container"])) == 9
    # filters for swarm objects match nothing here
    assert _messages(service=["x"]) == []


def test_times() -> None:
    assert parse_time_ns("2026-11-29T04:12:34.43374217Z") == 1795925554433742170
    assert parse_time_ns("2026-11-29T05:12:34.5+01:00") == 1795925554500000000
    # the events route reads Docker's since/until as the logs route does
    assert timestamp_ns("1795925554.000000001", "since", now=0) == 1795925554000000001
    assert timestamp_ns("1795925554", "since", now=0) == 1795925554000000000
    assert timestamp_ns("10s", "since", now=20) == 10_000_000_000
    with pytest.raises(InvalidParameter):
        timestamp_ns("yesterday", "since", now=0)


def test_the_services_own_infra_containers_send_no_events() -> None:
    infra = "dockershim-build-0a1b2c3d4e5f-infra"
    base = {"ID": CTR, "Image": "localhost/podman-pause:4.3.1-0", "Time": "2024-01-01T00:00:00Z"}
    for ev in (
        {**base, "Type": "container", "Status": "start", "Name": infra},
        {**base, "Type": "network", "Status": "connect", "Name": infra, "Network": "podman"},
    ):
        assert docker_event(ev) is None
    mine = {**base, "Type": "container", "Status": "start", "Name": "dockershim-build-app"}
    assert docker_event(mine) is not None  # a user's container of a similar name still counts
