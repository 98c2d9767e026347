"""Compose's `depends_on: condition: service_healthy` relies on State.Health, which on hosts
without a user systemd only moves because dockershim runs healthchecks on demand."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DOCKER, Cleanup, DockerRun, podman

COMPOSE = """\
services:
  db:
    image: busybox
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 30
  app:
    image: busybox
    command: ["sleep", "3600"]
    network_mode: none
    depends_on:
      db:
        condition: service_healthy
"""


@pytest.mark.parametrize("tool", ["v1", "v2"])
def test_depends_on_service_healthy(
    tool: str, docker: DockerRun, docker_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    if tool == "v1" and shutil.which("docker-compose") is None:
        pytest.fail("docker-compose 1.29 is not installed (scripts/bootstrap.sh installs it)")
    project = cleanup.name("dsh").replace("-", "")
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    base = ["docker-compose"] if tool == "v1" else [DOCKER, "compose"]
    argv = [*base, "-f", str(tmp_path / "compose.yaml"), "-p", project]
    env = {**docker_env, "COMPOSE_PROJECT_NAME": project}

    def compose(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*argv, *args], capture_output=True, text=True, timeout=300, env=env,
            stdin=subprocess.DEVNULL, cwd=tmp_path,
        )  # fmt: skip

    try:
        up = compose("up", "-d")
        assert up.returncode == 0, up.stderr
        names = podman(
            "ps", "-a", "--filter", f"label=com.docker.compose.project={project}",
            "--format", "{{.Names}}",
        ).stdout.split()  # fmt: skip
        cleanup.containers.extend(names)
        db = next(n for n in names if "db" in n)
        app = next(n for n in names if "app" in n)
        assert docker("inspect", "-f", "{{.State.Health.Status}}", db).stdout.strip() == "healthy"
        assert docker("inspect", "-f", "{{.State.Status}}", app).stdout.strip() == "running"
    finally:
        compose("down", "-v", "-t", "0")
