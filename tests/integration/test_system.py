"""Foundation, end to end: the docker CLI, docker-py and curl against the shim on real podman."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, Cleanup, DockerRun, Shim


def test_docker_version(docker: DockerRun) -> None:
    out = docker("version", "--format", "{{json .}}").stdout
    data = json.loads(out)
    assert data["Server"]["ApiVersion"] == "1.45"
    names = [c["Name"] for c in data["Server"]["Components"]]
    assert "Podman Engine" in names


def test_docker_info(docker: DockerRun) -> None:
    info = json.loads(docker("info", "--format", "{{json .}}").stdout)
    assert "name=rootless" in info["SecurityOptions"]
    assert info["Driver"] == "overlay"  # bootstrap sets rootless overlay up where it works
    assert info["OSType"] == "linux"
    assert info["Images"] >= 1  # the busybox fixture


def test_docker_info_counts_are_live(docker: DockerRun, dclient: Any, cleanup: Cleanup) -> None:
    """podman info is taken once per service; the counts in /info are always today's."""
    before = dclient.info()
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    after = dclient.info()
    assert after["Containers"] == before["Containers"] + 1
    assert after["ContainersRunning"] == before["ContainersRunning"] + 1
    assert after["ContainersStopped"] == before["ContainersStopped"]
    assert after["Images"] == before["Images"]
    docker("stop", "-t", "0", name)
    stopped = dclient.info()
    assert stopped["ContainersRunning"] == before["ContainersRunning"]
    assert stopped["ContainersStopped"] == before["ContainersStopped"] + 1
    assert stopped["Containers"] == after["Containers"]


def test_docker_py_negotiates(dclient: Any) -> None:
    assert dclient.ping() is True
    assert dclient.api.api_version == "1.45"
    version = dclient.version()
    assert version["ApiVersion"] == "1.45"
    assert dclient.info()["OSType"] == "linux"


def test_docker_py_old_pinned_version(shim: Shim) -> None:
    import docker as docker_py

    client = docker_py.DockerClient(base_url=shim.url, version="1.41")
    try:
        assert client.version()["MinAPIVersion"] == "1.24"
    finally:
        client.close()


def test_curl_ping_headers(shim: Shim) -> None:
    out = subprocess.run(
        ["curl", "-sS", "-I", "--unix-socket", shim.socket, "http://docker/_ping"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.lower()
    assert out.startswith("http/1.1 200")
    for header in (
        "api-version: 1.45",
        "ostype: linux",
        "docker-experimental: false",
        "cache-control: no-cache",
        "pragma: no-cache",
        "builder-version:",
    ):
        assert header in out, header


def test_curl_errors(shim: Shim) -> None:
    def get(path: str) -> tuple[int, dict[str, Any]]:
        out = subprocess.run(
            [
                "curl",
                "-sS",
                "-w",
                "\n%{http_code}",
                "--unix-socket",
                shim.socket,
                f"http://d{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        body, code = out.rsplit("\n", 1)
        return int(code), json.loads(body)

    assert get("/v1.99/info") == (
        400,
        {"message": "client version 1.99 is too new. Maximum supported API version is 1.45"},
    )
    code, body = get("/v1.1/info")
    assert code == 400 and "too old" in body["message"]
    assert get("/v1.41/no/such/route") == (404, {"message": "page not found"})


def test_socket_is_private(shim: Shim) -> None:
    assert stat.S_IMODE(os.stat(shim.socket).st_mode) == 0o600


def test_second_shim_refuses_a_live_socket(shim: Shim, tmp_path: Path) -> None:
    import sys

    from tests.conftest import REPO

    result = subprocess.run(
        [sys.executable, "-m", "dockershim", "serve", "--socket", shim.socket],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1
    assert "already listening" in result.stderr
    assert os.path.exists(shim.socket)


def test_missing_podman_is_a_clear_error(tmp_path: Path) -> None:
    other = Shim(tmp_path, "--podman", "/nonexistent/podman").start()
    try:
        result = subprocess.run(
            [DOCKER, "-H", other.url, "info"], capture_output=True, text=True, timeout=30
        )
        assert result.returncode != 0
        assert "podman is not available" in result.stderr
    finally:
        other.stop()


def test_hanging_podman_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "podman"
    fake.write_text("#!/bin/sh\nexec sleep 600\n")
    fake.chmod(0o755)
    other = Shim(tmp_path, "--podman", str(fake), "--podman-timeout", "2").start()
    try:
        started = time.monotonic()
        result = subprocess.run(
            [DOCKER, "-H", other.url, "info"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode != 0
        assert "podman did not answer within 2s" in result.stderr
        assert time.monotonic() - started < 20
        # The hung child was killed and reaped: no `sleep 600` left under the shim.
        assert other.proc is not None
        children = subprocess.run(
            ["ps", "-o", "pid=,stat=,args=", "--ppid", str(other.proc.pid)],
            capture_output=True,
            text=True,
        ).stdout
        assert "sleep 600" not in children
    finally:
        other.stop()


@pytest.mark.parametrize("seconds", [1])
def test_idle_timeout_exits(tmp_path: Path, seconds: int) -> None:
    other = Shim(tmp_path, "--idle-timeout", str(seconds)).start()
    assert other.proc is not None
    other.proc.wait(timeout=seconds + 15)
    assert other.proc.returncode == 0


def test_podman_facts_survive_an_idle_exit(tmp_path: Path) -> None:
    """A cold `docker version` does not pay `podman info` again while nothing changed."""
    calls = tmp_path / "calls"
    wrapper = tmp_path / "podman"
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec podman "$@"\n')
    wrapper.chmod(0o755)

    def cold_version() -> list[str]:
        before = calls.read_text().split() if calls.exists() else []
        other = Shim(tmp_path, "--podman", str(wrapper)).start()
        try:
            out = subprocess.run(
                [DOCKER, "-H", other.url, "version", "--format", "{{.Server.Os}}"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert out.stdout.strip() == "linux", out.stderr
        finally:
            other.stop()
        return calls.read_text().split()[len(before) :] if calls.exists() else []

    assert sorted(cold_version()) == ["info", "version"]
    assert cold_version() == []  # read back from the state dir
    os.utime(wrapper, ns=(0, 0))  # "podman was upgraded"
    assert sorted(cold_version()) == ["info", "version"]
