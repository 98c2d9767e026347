"""The kept inspect JSON patched from a newer stored state (podman/inspect_overlay.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dockershim.podman.inspect_overlay import KEEP, overlay
from tests.fakes import fixture_json

RUNNING = {"state": 3, "pid": 42, "conmonPid": 40, "startedTime": "2026-01-01T00:00:00Z"}


def _kept() -> dict[str, Any]:
    raw: dict[str, Any] = fixture_json("container_inspect_running.json")[0]
    raw["State"]["Health"] = {"Status": "starting", "FailingStreak": 0, "Log": None}
    return raw


def test_exec_sessions_and_health() -> None:
    kept = _kept()
    new = {**RUNNING, "newExecSessions": {"b" * 64: {}, "a" * 64: {}}}
    out = overlay(kept, RUNNING, new)
    assert out is not None and out["ExecIDs"] == ["a" * 64, "b" * 64]
    assert out["State"]["Pid"] == 42 and out["State"]["Running"] is True
    assert out["Config"] == kept["Config"] and out["HostConfig"] == kept["HostConfig"]
    assert kept.get("ExecIDs") != out["ExecIDs"]  # the kept JSON itself is not touched
    healthy = {"Status": "healthy", "FailingStreak": 0, "Log": [{"ExitCode": 0}]}
    out = overlay(kept, RUNNING, RUNNING, healthy)
    assert out is not None and out["State"]["Health"] == healthy
    no_health = {k: v for k, v in kept.items()}
    no_health["State"] = {k: v for k, v in kept["State"].items() if k != "Health"}
    assert overlay(no_health, RUNNING, RUNNING, healthy) is None
    assert overlay(kept, RUNNING, RUNNING, KEEP) is not None


def test_exit_without_a_new_process() -> None:
    kept = _kept()
    kept["State"]["CgroupPath"] = "/user.slice/x"
    exited = {
        "state": 6,
        "exitCode": 3,
        "finishedTime": "2026-01-01T00:01:00Z",
        "startedTime": RUNNING["startedTime"],
        "exited": True,
    }
    out = overlay(kept, RUNNING, exited)
    assert out is not None
    state = out["State"]
    assert (state["Status"], state["Running"], state["Pid"], state["ExitCode"]) == (
        "exited",
        False,
        0,
        3,
    )
    assert "ConmonPid" not in state and "CgroupPath" not in state
    assert state["FinishedAt"] == "2026-01-01T00:01:00Z"


def test_what_only_podman_can_tell() -> None:
    kept = _kept()
    assert overlay(kept, RUNNING, {**RUNNING, "pid": 43}) is None  # a new process
    assert overlay(kept, RUNNING, {**RUNNING, "bindMounts": {"/etc/hosts": "/x"}}) is None
    assert overlay(kept, RUNNING, {**RUNNING, "networkStatus": {}}) is None
    assert overlay(kept, RUNNING, {**RUNNING, "configPath": "/y"}) is None


@pytest.mark.parametrize("case", ["port", "two", "slirp"])
def test_a_stop_is_what_podman_shows(case: str) -> None:
    """Real podman 4.3 captures: a container with a published port on podman's network, one on
    two networks (one dual-stack), one on slirp4netns; state and inspect taken running and
    again after `podman stop`. The kept running inspect brought to the stopped state is
    exactly podman's own inspect of the stopped container (addresses, namespace, merged dir)."""
    running = fixture_json(f"overlay-{case}-running.json")
    stopped = fixture_json(f"overlay-{case}-stopped.json")
    netns = (running["netns"], stopped["netns"])
    assert running["inspect"] != stopped["inspect"]
    got = overlay(running["inspect"], running["state"], stopped["state"], netns=netns)
    assert got == stopped["inspect"]


def test_a_start_needs_podman() -> None:
    """Started again: a new process, addresses and namespace that only podman can tell."""
    running = fixture_json("overlay-two-running.json")
    stopped = fixture_json("overlay-two-stopped.json")
    netns = (stopped["netns"], running["netns"])
    assert overlay(stopped["inspect"], stopped["state"], running["state"], netns=netns) is None
    # a new namespace alone (same state otherwise) is not patched either
    moved = (running["netns"], running["netns"] + "-other")
    assert overlay(running["inspect"], running["state"], running["state"], netns=moved) is None
