"""/info from a captured `podman info` with the counts of now."""

from __future__ import annotations

import json
from typing import Any

from dockershim.translate.system import info_body, with_live_counts
from tests.fakes import FIXTURES


def _info() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "info.json").read_text())
    return data


def test_live_counts_replace_the_stored_ones() -> None:
    captured = _info()
    live = with_live_counts(
        captured, ["running", "exited", "paused", "created", "running"], ["a", "b", "a"]
    )
    body = info_body(live, hostname="h", kernel="k", system_time="t")
    assert (body["Containers"], body["ContainersRunning"]) == (5, 2)
    assert (body["ContainersPaused"], body["ContainersStopped"]) == (1, 2)
    assert body["Images"] == 2  # one line per tag: counted once per image
    assert (
        body["Driver"] == info_body(captured, hostname="h", kernel="k", system_time="t")["Driver"]
    )
    assert captured == _info()  # the cached info is not changed


def test_no_containers_no_images() -> None:
    body = info_body(with_live_counts(_info(), [], []), hostname="h", kernel="k", system_time="t")
    assert (body["Containers"], body["ContainersStopped"], body["Images"]) == (0, 0, 0)
