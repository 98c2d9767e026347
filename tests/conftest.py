"""Fixtures shared by all test layers.

Integration tests (tests/integration) run against real rootless podman as the unprivileged test
user, through one dockershim process per session (started here) on a private socket; the test
bed (registry on 127.0.0.1:5000 mirroring docker.io, busybox fixture image) comes from
scripts/bootstrap.sh. Every test removes what it creates (see `cleanup`).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCKER = shutil.which("docker", path="/usr/local/bin") or "docker"
REGISTRY = "127.0.0.1:5000"
AUTH_REGISTRY = "127.0.0.1:5001"
FIXTURE_IMAGE = "busybox"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "container_image: builds and runs the Dockerfile's image (slow; -m to pick)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


def wait_for_socket(
    path: str, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"dockershim exited with {proc.returncode}")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            return
        except OSError:
            time.sleep(0.05)
        finally:
            probe.close()
    raise TimeoutError(f"nothing listens on {path}")


_DROPPED_WORK = re.compile(
    r"Task exception was never retrieved|Task was destroyed but it is pending"
)


class Shim:
    """A dockershim process on a private socket, run as the current (test) user."""

    def __init__(self, workdir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.socket = str(workdir / "docker.sock")
        self.log_path = workdir / "shim.log"
        self.extra = list(extra)
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> Shim:
        argv = [sys.executable, "-m", "dockershim", "serve", "--socket", self.socket]
        argv += ["--log-level", "warning", *self.extra]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=str(self.workdir)
            )
        wait_for_socket(self.socket, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def shim() -> Iterator[Shim]:
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-test-"))
    instance = Shim(workdir, "--idle-timeout", "0").start()
    yield instance
    instance.stop()
    if "Traceback" in instance.log():
        sys.stderr.write(f"--- dockershim log ---\n{instance.log()}\n")
    # asyncio's words for work dropped unfinished (a task's error no one read, a pending task
    # collected): the session's shim must never log them
    dropped = [line for line in instance.log().splitlines() if _DROPPED_WORK.search(line)]
    assert not dropped, dropped


@pytest.fixture(scope="session")
def docker_env(shim: Shim, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    config = tmp_path_factory.mktemp("docker-config")
    return {
        **os.environ,
        "DOCKER_HOST": shim.url,
        "DOCKER_CONFIG": str(config),
        "DOCKER_BUILDKIT": "0",
        "DOCKER_CLI_HINTS": "false",
    }


DockerRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def docker(docker_env: dict[str, str]) -> DockerRun:
    """Run the real docker CLI against the session's shim."""

    def run(
        *args: str,
        input: str | None = None,
        timeout: float = 120,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [DOCKER, *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**docker_env, **(env or {})},
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"docker {' '.join(args)} exited {result.returncode}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    return run


@pytest.fixture(scope="session")
def dclient(shim: Shim) -> Iterator[Any]:
    """docker-py, negotiating the API version as users do."""
    import docker as docker_py

    client = docker_py.DockerClient(base_url=shim.url, version="auto", timeout=120)
    yield client
    client.close()


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Real podman, as the test user: to set up and to check what the shim did."""
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed: {result.stderr}")
    return result


class Cleanup:
    def __init__(self) -> None:
        self.containers: list[str] = []
        self.images: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []

    def name(self, prefix: str = "dst") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def container(self, name: str | None = None) -> str:
        name = name or self.name()
        self.containers.append(name)
        return name

    def run(self) -> None:
        # the newest first: podman keeps a container others join (`--network container:X`)
        for name in reversed(self.containers):
            podman("rm", "-f", "-v", "--time", "0", name, check=False)
        for name in self.networks:
            podman("network", "rm", "-f", name, check=False)
        for name in self.volumes:
            podman("volume", "rm", "-f", name, check=False)
        for name in self.images:
            podman("rmi", "-f", name, check=False)


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    """Register what a test creates; it is force-removed afterwards, pass or fail."""
    registry = Cleanup()
    yield registry
    registry.run()


def one_file_tar(name: str, data: bytes) -> bytes:
    """A tar archive of one regular file, as a `docker cp` upload sends it."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()
