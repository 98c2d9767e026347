"""The top-level Dockerfile: built through dockershim itself (scripts/build-image.sh: the docker
CLI, classic builder, a Debian base made by mmdebstrap and cached between runs), run through
dockershim (the API: Privileged, UsernsMode keep-id:uid=1000,gid=1000, a host folder on
/run/dockershim), then driven from outside through the socket it serves: `docker version`,
`docker load` of busybox, `docker run --rm busybox echo hi`; non-root inside, healthy.

Slow (the first run builds the base: a few minutes; later runs reuse it): select it alone with
`scripts/test.sh -m container_image` (or leave it out with `-m "not container_image"`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, REPO, Cleanup, podman

pytestmark = pytest.mark.container_image


def _wait(what: str, check: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s")
        time.sleep(0.5)


def test_image_builds_through_dockershim_and_serves_docker(
    docker_env: dict[str, str], dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    tag = f"{cleanup.name('dockershim-image')}:test"
    cleanup.images.append(tag)
    build = subprocess.run(
        [str(REPO / "scripts" / "build-image.sh"), tag],
        env={**docker_env, "DOCKERSHIM_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Successfully tagged" in build.stdout  # the classic builder's words, via dockershim
    info = dclient.images.get(tag).attrs
    assert info["Config"]["User"] == "dockershim"
    assert info["Config"]["Healthcheck"]["Test"] == ["CMD", "/usr/local/bin/healthcheck.py"]
    assert info["Size"] < 400_000_000, info["Size"]

    sockets = tmp_path / "run"
    sockets.mkdir()
    name = cleanup.name("dockershim-in-a-container")
    # The docker CLI and docker-py's helpers accept only "host" as a user namespace mode; the
    # API takes podman's keep-id as it is (a raw HostConfig through the low-level client).
    created = dclient.api.create_container(
        tag,
        name=name,
        host_config={
            "Privileged": True,
            "UsernsMode": "keep-id:uid=1000,gid=1000",
            "Binds": [f"{sockets}:/run/dockershim:rw"],
        },
    )
    dclient.api.start(created["Id"])
    container = dclient.containers.get(created["Id"])
    try:
        sock = sockets / "docker.sock"
        _wait("the socket", sock.exists)
        inner = {**docker_env, "DOCKER_HOST": f"unix://{sock}"}

        def docker(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
            result = subprocess.run(
                [DOCKER, *args], env=inner, capture_output=True, text=True, timeout=300, **kwargs
            )
            assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
            return result

        version = json.loads(docker("version", "--format", "{{json .Server}}").stdout)
        assert any(c["Name"] == "Podman Engine" for c in version["Components"])
        saved = subprocess.run(
            [DOCKER, "save", "busybox"], env=docker_env, capture_output=True, timeout=120
        )
        assert saved.returncode == 0, saved.stderr
        loaded = subprocess.run(
            [DOCKER, "load"], input=saved.stdout, env=inner, capture_output=True, timeout=300
        )
        assert loaded.returncode == 0, loaded.stderr
        assert docker("run", "--rm", "busybox", "echo", "hi").stdout == "hi\n"

        assert podman("exec", name, "id", "-u").stdout == "1000\n"  # non-root inside

        def healthy() -> bool:
            container.reload()  # dockershim runs the due check when asked (no systemd timers)
            return bool(container.attrs["State"].get("Health", {}).get("Status") == "healthy")

        _wait("healthy", healthy)
    finally:
        container.remove(force=True, v=True)
