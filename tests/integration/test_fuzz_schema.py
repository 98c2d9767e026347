"""Fuzzing the served API with requests generated from Docker's spec (schemathesis), on real
rootless podman: no answer is a 5xx, none hangs, and the service's descriptors and podman
children are back at their baseline afterwards.

Bounded: the operations below are reads, or creations whose leftovers are removed (Binds and
Mounts are dropped from create bodies: dockerd creates missing bind sources on the host).
Streams that never end by themselves (events, attach, stats, logs with follow) are left out.
Generation is derandomized, so a failure repeats on the next run; DOCKERSHIM_FUZZ_EXAMPLES
raises the count per operation for a longer local run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO, Shim, podman

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

SPEC = REPO / "openapi" / "docker-engine-v1.41.yaml"
EXAMPLES = int(os.environ.get("DOCKERSHIM_FUZZ_EXAMPLES", "25"))
OPERATIONS = [
    ("GET", "/_ping"),
    ("GET", "/version"),
    ("GET", "/info"),
    ("GET", "/system/df"),
    ("GET", "/containers/json"),
    ("GET", "/containers/{id}/json"),
    ("GET", "/containers/{id}/top"),
    ("GET", "/containers/{id}/changes"),
    ("GET", "/containers/{id}/logs"),
    ("GET", "/images/json"),
    ("GET", "/images/{name}/json"),
    ("GET", "/images/{name}/history"),
    ("GET", "/networks"),
    ("GET", "/networks/{id}"),
    ("GET", "/volumes"),
    ("GET", "/volumes/{name}"),
    ("GET", "/exec/{id}/json"),
    ("GET", "/swarm"),
    ("GET", "/plugins"),
    ("POST", "/containers/create"),
    ("POST", "/containers/{id}/exec"),
    ("POST", "/containers/{id}/resize"),
    ("POST", "/exec/{id}/resize"),
    ("POST", "/networks/create"),
    ("POST", "/volumes/create"),
]


def _operations() -> dict[tuple[str, str], Any]:
    schema = schemathesis.openapi.from_path(str(SPEC))
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[(operation.method.upper(), operation.path)] = operation
    return found


def _names() -> dict[str, set[str]]:
    listing = {
        "containers": ["ps", "-a", "--format", "{{.ID}}"],
        "networks": ["network", "ls", "--format", "{{.Name}}"],
        "volumes": ["volume", "ls", "--format", "{{.Name}}"],
    }
    return {kind: set(podman(*argv).stdout.split()) for kind, argv in listing.items()}


def _children(pid: int) -> set[int]:
    """The shim's children that a request left, not the podman service it keeps on purpose
    (started at the first container change: podman/service_child.py)."""
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and not _service(cmdline):
                out.add(int(entry))
    return out


def _service(cmdline: list[bytes]) -> bool:
    return b"system" in cmdline and b"service" in cmdline


@pytest.fixture(scope="module")
def operations() -> dict[tuple[str, str], Any]:
    return _operations()


@pytest.fixture(scope="module")
def leftovers(shim: Shim) -> Iterator[None]:
    before = _names()
    yield
    after = _names()
    for name in after["containers"] - before["containers"]:
        podman("rm", "-f", "-v", "--time", "0", name, check=False)
    for name in after["networks"] - before["networks"]:
        podman("network", "rm", "-f", name, check=False)
    for name in after["volumes"] - before["volumes"]:
        podman("volume", "rm", "-f", name, check=False)


def _send(client: httpx.Client, case: Any) -> httpx.Response:
    query = dict(case.query or {})
    if case.path.endswith("/logs"):
        query["follow"] = "0"  # a followed log never ends by itself
    kwargs: dict[str, Any] = {"params": query}
    body = case.body
    if type(body).__name__ != "NotSet":
        if isinstance(body, dict) and isinstance(body.get("HostConfig"), dict):
            body["HostConfig"] = {
                k: v for k, v in body["HostConfig"].items() if k not in ("Binds", "Mounts")
            }
        kwargs["content"] = json.dumps(body)
        kwargs["headers"] = {"Content-Type": "application/json"}
    return client.request(case.method, case.formatted_path, **kwargs)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error(
    shim: Shim,
    operations: dict[tuple[str, str], Any],
    leftovers: None,
    method: str,
    path: str,
) -> None:
    assert shim.proc is not None
    transport = httpx.HTTPTransport(uds=shim.socket)
    failures: list[str] = []
    with httpx.Client(transport=transport, base_url="http://docker/v1.41", timeout=60) as client:
        client.get("/_ping")
        fds = len(os.listdir(f"/proc/{shim.proc.pid}/fd"))
        children = _children(shim.proc.pid)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operations[(method, path)].as_strategy())
        def run(case: Any) -> None:
            reply = _send(client, case)  # a hang is an httpx timeout
            # dockerd answers 503 on a node that is no swarm manager: that is no failure
            if reply.status_code >= 500 and (path, reply.status_code) != ("/swarm", 503):
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} -> "
                    f"{reply.status_code} {reply.text[:300]}"
                )

        run()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            len(os.listdir(f"/proc/{shim.proc.pid}/fd")) > fds
            or _children(shim.proc.pid) - children
        ):
            time.sleep(0.2)
        assert len(os.listdir(f"/proc/{shim.proc.pid}/fd")) <= fds
        assert not _children(shim.proc.pid) - children
    assert failures == []
