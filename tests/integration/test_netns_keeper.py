"""While a service runs, a pod of its own holds rootless podman 4's network namespace after it
started a bridge container (engine/netns_hold.py's NetnsHold): no Docker answer shows the
pod, the service removes it when it exits, and a later service removes the pod of one that was
killed. (What it saves, ~200 ms per lone `docker run --rm`, is measured in docs/speed.md.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DOCKER, FIXTURE_IMAGE, Shim, podman

PREFIX = "dockershim-netns-keep-"


@pytest.fixture
def own_shim() -> Iterator[Shim]:
    """A shim of this test's own: its exit is part of what is tested."""
    instance = Shim(Path(tempfile.mkdtemp(prefix="dockershim-keep-")), "--idle-timeout", "0")
    yield instance.start()
    instance.stop()
    assert "Traceback" not in instance.log()


def _docker(shim: Shim, *args: str) -> str:
    env = {**os.environ, "DOCKER_HOST": shim.url, "DOCKER_CLI_HINTS": "false"}
    result = subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, f"docker {' '.join(args)}: {result.stderr}"
    return result.stdout


def _pods_of(pid: int) -> dict[str, str]:
    """The keeper pods of the service with this pid: name -> podman's pod status."""
    listed = json.loads(podman("pod", "ps", "--format", "json").stdout or "[]")
    mine = f"{PREFIX}{pid}-"
    return {p["Name"]: p["Status"] for p in listed if p["Name"].startswith(mine)}


def _eventually(check: object, what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


def test_a_bridge_run_makes_the_service_hold_the_namespace_unseen_until_it_exits(
    own_shim: Shim,
) -> None:
    assert own_shim.proc is not None
    pid = own_shim.proc.pid
    _docker(own_shim, "run", "--rm", "--network", "none", FIXTURE_IMAGE, "true")
    time.sleep(1)
    assert _pods_of(pid) == {}, "a container without a bridge needs no namespace"
    _docker(own_shim, "run", "--rm", FIXTURE_IMAGE, "true")
    _eventually(lambda: list(_pods_of(pid).values()) == ["Running"], "a running keeper pod")
    (pod,) = _pods_of(pid)
    infra = json.loads(podman("container", "inspect", f"{pod}-infra").stdout)[0]
    assert list(infra["NetworkSettings"]["Networks"]) == ["podman"]

    # no Docker answer shows it
    names = _docker(own_shim, "ps", "-a", "--format", "{{.Names}}").split()
    assert not [n for n in names if n.startswith(PREFIX)]
    bridge = json.loads(_docker(own_shim, "network", "inspect", "bridge"))[0]
    assert not [c for c in bridge["Containers"].values() if c["Name"].startswith(PREFIX)]
    listed = json.loads(podman("ps", "--format", "json").stdout or "[]")
    running = [c for c in listed if not any(n.startswith("dockershim-") for n in c["Names"])]
    counted = _docker(own_shim, "info", "--format", "{{.ContainersRunning}}").strip()
    assert int(counted) == len(running)  # the services' own infra containers left out

    # nor podman's infra image it runs: `docker rmi $(docker images -q)` must not stop at it
    pause = podman("images", "--format", "{{.Repository}}").stdout.split()
    assert "localhost/podman-pause" in pause
    shown = _docker(own_shim, "images", "-a", "--format", "{{.Repository}}").split()
    assert not [r for r in shown if "podman-pause" in r]
    images = _docker(own_shim, "info", "--format", "{{.Images}}").strip()
    ids = set(_docker(own_shim, "images", "-a", "--format", "{{.ID}}").split())
    assert int(images) == len(ids)  # images, not names: an image may have several
    df = _docker(own_shim, "system", "df", "-v", "--format", "{{json .Images}}")
    assert "podman-pause" not in df

    own_shim.stop()
    assert _pods_of(pid) == {}, "the service removes its pod when it exits"


def test_a_create_alone_makes_the_service_hold_the_namespace(own_shim: Shim) -> None:
    """The hold begins at the create: a short `docker run --rm` is often gone before its
    start's news arrives, and its exit then took the namespace down (engine/starts.py)."""
    assert own_shim.proc is not None
    pid = own_shim.proc.pid
    name = f"dockershim-test-keep-{os.getpid()}"
    try:
        _docker(own_shim, "create", "--name", name, FIXTURE_IMAGE, "true")
        _eventually(lambda: list(_pods_of(pid).values()) == ["Running"], "a running keeper pod")
    finally:
        podman("rm", "--force", name, check=False)
    own_shim.stop()
    assert _pods_of(pid) == {}


def test_a_cold_services_first_create_begins_the_hold_beside_its_import() -> None:
    """The first create of a service that has not loaded its full API yet (a `docker run`
    after an idle exit) begins the pod at once (api/lazyapp.py); the engine takes it over
    instead of making a second one, and removes it at the exit."""
    shim = Shim(
        Path(tempfile.mkdtemp(prefix="dockershim-keep-")),
        *("--idle-timeout", "0", "--log-level", "info"),
    ).start()
    assert shim.proc is not None
    pid = shim.proc.pid
    name = f"dockershim-test-ahead-{os.getpid()}"
    try:
        _docker(shim, "create", "--name", name, FIXTURE_IMAGE, "true")  # its first request
        _eventually(lambda: list(_pods_of(pid).values()) == ["Running"], "a running keeper pod")
        (pod,) = _pods_of(pid)
        assert f"ahead of a create (pod {pod})" in shim.log()
    finally:
        podman("rm", "--force", name, check=False)
        shim.stop()
    assert _pods_of(pid) == {}
    assert "Traceback" not in shim.log()


def test_a_later_service_removes_the_pod_of_one_that_was_killed() -> None:
    killed = Shim(Path(tempfile.mkdtemp(prefix="dockershim-keep-")), "--idle-timeout", "0").start()
    assert killed.proc is not None
    dead = killed.proc.pid
    try:
        _docker(killed, "run", "--rm", FIXTURE_IMAGE, "true")
        _eventually(lambda: list(_pods_of(dead).values()) == ["Running"], "a keeper pod")
    finally:
        os.kill(dead, signal.SIGKILL)  # no exit of its own: its pod stays behind
        killed.proc.wait()
    assert list(_pods_of(dead).values()) == ["Running"]
    later = Shim(Path(tempfile.mkdtemp(prefix="dockershim-keep-")), "--idle-timeout", "0").start()
    try:
        _docker(later, "run", "--rm", FIXTURE_IMAGE, "true")
        _eventually(lambda: _pods_of(dead) == {}, "the dead service's pod removed")
    finally:
        later.stop()
        for pod in _pods_of(dead):  # the test failed: leave nothing behind
            podman("pod", "rm", "--force", pod, check=False)
    assert "Traceback" not in later.log()
