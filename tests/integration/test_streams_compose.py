"""compose's attached `up` (docker-compose 1.29, docker-py underneath) over attach streams."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import podman

COMPOSE = shutil.which("docker-compose")

COMPOSE_FILE = """\
version: "3"
services:
  one:
    image: busybox
    network_mode: none
    command: sh -c 'echo hello from one; echo err from one >&2; sleep 1; echo bye'
  two:
    image: busybox
    network_mode: none
    command: sh -c 'echo two says hi; exit 3'
"""


@pytest.mark.skipif(COMPOSE is None, reason="docker-compose (v1) is not installed")
def test_compose_up_attached(docker_env: dict[str, str], tmp_path: Path) -> None:
    assert COMPOSE is not None
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_FILE)
    project = f"dts{uuid.uuid4().hex[:8]}"
    base = [COMPOSE, "-p", project, "--no-ansi"]
    try:
        up = subprocess.run(
            [*base, "up"], cwd=tmp_path, env=docker_env, capture_output=True, text=True, timeout=180
        )
        out = up.stdout
        for line in ("hello from one", "err from one", "bye", "two says hi"):
            assert line in out, out + up.stderr
        assert "exited with code 3" in out
        assert "exited with code 0" in out
        assert out.index("hello from one") < out.index("bye")
    finally:
        subprocess.run(
            [*base, "down"], cwd=tmp_path, env=docker_env, capture_output=True, timeout=120
        )
        for service in ("one", "two"):
            podman("rm", "-f", f"{project}_{service}_1", check=False)
