"""docker-compose 1.29 (Debian's, Python) and Compose v2 (the Go plugin) against the shim.

One multi-service project, written by the test: a busybox httpd with a published port and a
bind-mounted document root, a client that reaches it by service name over a custom network, a
named volume shared by two services, env/env_file, command, healthcheck, restart, depends_on.
Each tool drives the whole life cycle: up -d, ps, logs, exec, run --rm, stop, start, up -d after
a config change (recreate), down -v (nothing of the project remains).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import DOCKER, Cleanup, podman

COMPOSE_FILE = """\
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    ports:
      - "127.0.0.1:{port}:8080"
    volumes:
      - ./site:/www:ro
      - shared:/shared
    networks: [default, backend]
    environment:
      GREETING: "{greeting}"
    env_file: web.env
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 2s
      timeout: 2s
      retries: 5
    restart: unless-stopped
  writer:
    image: busybox
    command: ["sh", "-c", "echo $$MESSAGE > /shared/msg; echo writer-started; exec sleep 3600"]
    environment:
      MESSAGE: from-writer
    volumes:
      - shared:/shared
    depends_on:
      web:
        condition: service_healthy
  client:
    image: busybox
    command: ["sleep", "3600"]
    networks: [backend]
    depends_on: [web]
volumes:
  shared: {{}}
networks:
  backend: {{}}
"""

Compose = Callable[..., subprocess.CompletedProcess[str]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _compose_argv(tool: str) -> list[str]:
    if tool == "v1":
        return ["docker-compose"]
    return [DOCKER, "compose"]


@pytest.fixture(params=["v1", "v2"])
def project(
    request: pytest.FixtureRequest, docker_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> Iterator[tuple[Compose, Path, str, int]]:
    tool = request.param
    if tool == "v1" and shutil.which("docker-compose") is None:
        pytest.fail("docker-compose 1.29 is not installed (scripts/bootstrap.sh installs it)")
    name = cleanup.name("dsc").replace("-", "")
    port = _free_port()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hello from compose\n")
    (tmp_path / "web.env").write_text("FROM_FILE=env-file-value\n")
    (tmp_path / "compose.yaml").write_text(COMPOSE_FILE.format(port=port, greeting="hello"))
    env = {**docker_env, "COMPOSE_PROJECT_NAME": name, "DOCKER_BUILDKIT": "0"}

    def compose(
        *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        argv = [*_compose_argv(tool), "-f", str(tmp_path / "compose.yaml"), "-p", name, *args]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited {result.returncode}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    yield compose, tmp_path, name, port
    compose("down", "-v", "--remove-orphans", "-t", "0", check=False)
    _remove_project_leftovers(name)


def _project_objects(name: str) -> dict[str, list[str]]:
    label = f"label=com.docker.compose.project={name}"
    fmt = "{{.Names}}"
    return {
        "containers": podman("ps", "-a", "--filter", label, "--format", fmt).stdout.split(),
        "networks": podman(
            "network", "ls", "--filter", label, "--format", "{{.Name}}"
        ).stdout.split(),
        "volumes": podman(
            "volume", "ls", "--filter", label, "--format", "{{.Name}}"
        ).stdout.split(),
    }


def _remove_project_leftovers(name: str) -> None:
    objects = _project_objects(name)
    for ctr in objects["containers"]:
        podman("rm", "-f", "-v", "-t", "0", ctr, check=False)
    for net in objects["networks"]:
        podman("network", "rm", "-f", net, check=False)
    for vol in objects["volumes"]:
        podman("volume", "rm", "-f", vol, check=False)


def _retry(fn: Callable[[], str], want: str, attempts: int = 40) -> str:
    last = ""
    for _ in range(attempts):
        try:
            last = fn()
        except (OSError, AssertionError) as exc:
            last = repr(exc)
        if want in last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"never got {want!r}; last: {last!r}")


def _http_get(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        body: bytes = response.read()
        return body.decode()


def _container_id(name: str, service: str) -> str:
    ids = podman(
        "ps", "-q", "--no-trunc",
        "--filter", f"label=com.docker.compose.project={name}",
        "--filter", f"label=com.docker.compose.service={service}",
    ).stdout.split()  # fmt: skip
    assert len(ids) == 1, ids
    return ids[0]


def test_compose_project_life_cycle(project: tuple[Compose, Path, str, int]) -> None:
    compose, workdir, name, port = project
    compose("up", "-d")

    ps = compose("ps").stdout
    for service in ("web", "writer", "client"):
        assert service in ps
    assert _retry(lambda: _http_get(port), "hello from compose")

    fetched = _retry(
        lambda: compose("exec", "-T", "client", "wget", "-q", "-O-", "http://web:8080/").stdout,
        "hello from compose",
    )
    assert fetched == "hello from compose\n"
    shared = _retry(
        lambda: compose("exec", "-T", "web", "cat", "/shared/msg").stdout, "from-writer"
    )
    assert shared.strip() == "from-writer"
    env = compose("exec", "-T", "web", "sh", "-c", "echo $GREETING $FROM_FILE").stdout
    assert env.strip() == "hello env-file-value"
    assert "writer-started" in _retry(lambda: compose("logs", "writer").stdout, "writer-started")

    web = json.loads(podman("inspect", _container_id(name, "web")).stdout)[0]
    assert web["Config"]["Healthcheck"]["Test"][-1] == "http://127.0.0.1:8080/"
    assert web["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"

    run = compose("run", "--rm", "client", "wget", "-q", "-O-", "http://web:8080/")
    assert "hello from compose" in run.stdout
    assert len(_project_objects(name)["containers"]) == 3  # the one-off container is gone

    compose("stop", "-t", "1")
    running = podman("ps", "-q", "--filter", f"label=com.docker.compose.project={name}")
    assert running.stdout.split() == []
    compose("start")
    assert _retry(lambda: _http_get(port), "hello from compose")

    old_web = _container_id(name, "web")
    compose("up", "-d")  # nothing changed: nothing is recreated
    assert _container_id(name, "web") == old_web
    (workdir / "compose.yaml").write_text(COMPOSE_FILE.format(port=port, greeting="changed"))
    compose("up", "-d")
    assert _container_id(name, "web") != old_web
    env = _retry(
        lambda: compose("exec", "-T", "web", "sh", "-c", "echo $GREETING").stdout, "changed"
    )
    assert env.strip() == "changed"
    assert _retry(lambda: _http_get(port), "hello from compose")

    compose("down", "-v")
    assert _project_objects(name) == {"containers": [], "networks": [], "volumes": []}
    assert os.path.exists(workdir / "site" / "index.html")  # bind mounts are left alone
