"""Testcontainers for Node (the real npm package, through dockerode) against dockershim.

scripts/bootstrap.sh installs the pinned package into /opt/dockershim/node-clients; each
scenario is a small script under tests/integration/node/ that prints its observations as JSON. Ryuk is
disabled (its image cannot be pulled offline). This test machine is itself a container
(/.dockerenv exists), which makes Testcontainers look for the bridge network's gateway as the
Docker host; with rootless podman that address lives in podman's network namespace, so the
host is given as localhost, as on a normal host (docs/testcontainers.md).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Shim, podman

NODE_PREFIX = Path("/opt/dockershim/node-clients")
SCRIPTS = Path(__file__).resolve().parent / "node"


def run_node(shim: Shim, script: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    env = {
        **os.environ,
        "DOCKER_HOST": shim.url,
        "NODE_PATH": str(NODE_PREFIX / "node_modules"),
        "TESTCONTAINERS_RYUK_DISABLED": "true",
        "TESTCONTAINERS_HOST_OVERRIDE": "localhost",
        # its lock file lives in the temp dir: the shim's own, not a /tmp other users share
        "TMPDIR": str(shim.workdir),
    }
    result = subprocess.run(
        ["node", str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stderr}\n{result.stdout}"
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


@pytest.fixture
def tc_cleanup() -> Iterator[None]:
    """Whatever a failed script left behind (Testcontainers labels all it creates)."""
    yield
    for kind in ("container", "network"):
        ids = podman(kind, "ls", "-q", "--filter", "label=org.testcontainers=true").stdout.split()
        if ids:
            podman(kind, "rm", "-f", *ids, check=False)


def test_package_installed() -> None:
    package = json.loads((NODE_PREFIX / "node_modules/testcontainers/package.json").read_text())
    assert package["version"].startswith("11.")


def _tc_containers() -> set[str]:
    return set(podman("ps", "-aq", "--filter", "label=org.testcontainers=true").stdout.split())


def test_generic_container_session(shim: Shim, tc_cleanup: None) -> None:
    before = _tc_containers()
    out = run_node(shim, "testcontainers_basic.js")
    # withExposedPorts: a random host port (HostPort "0"), waited for with forListeningPorts.
    assert 0 < out["port"] < 65536
    assert out["body"] == "served\n"
    assert out["exec"] == {
        "output": "out\nerr\n",
        "stdout": "out\n",
        "stderr": "err\n",
        "exitCode": 0,
        "failed": 3,
    }
    assert out["copiedIn"] == "copied in\n"
    assert out["copiedOutHasContent"] and out["copiedOutName"] == "in.txt"
    assert out["logs"].startswith("starting\n")
    assert out["bodyAfterRestart"] == "served\n"
    assert out["logWaitRunning"] is True
    assert out["healthyStarted"] is True
    assert out["viaAlias"] == "from-alias\n"
    assert out["serverIp"].count(".") == 3
    # Everything was stopped and removed by the library itself.
    assert _tc_containers() <= before
    assert out["networkName"] not in podman("network", "ls", "--format", "{{.Name}}").stdout


COMPOSE = """\
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo from-compose > /tmp/index.html; echo web-ready; exec httpd -f -h /tmp -p 8080"]
    ports: ["8080"]
"""


def test_compose_module(shim: Shim, tc_cleanup: None, tmp_path: Path) -> None:
    # DockerComposeEnvironment runs `docker compose` (v2) against DOCKER_HOST
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    web = ("ps", "-aq", "--filter", "label=com.docker.compose.service=web")
    before = set(podman(*web).stdout.split())
    out = run_node(shim, "testcontainers_compose.js", str(tmp_path))
    assert 0 < out["port"] < 65536
    assert out["body"] == "from-compose\n" and out["exec"] == "from-compose\n"
    assert set(podman(*web).stdout.split()) <= before  # down() removed what up() made
