"""Containers through the real docker CLI against rootless podman."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

from tests.conftest import Cleanup, DockerRun, podman


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, attempts: int = 50) -> bytes:
    last: Exception | None = None
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return bytes(resp.read())
        except OSError as exc:
            last = exc
            time.sleep(0.2)
    raise AssertionError(f"could not fetch {url}: {last}")


def test_run_detached_publish_and_fetch(docker: DockerRun, cleanup: Cleanup, tmp_path) -> None:
    name = cleanup.container()
    port = free_port()
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("hello from dockershim\n")
    www.chmod(0o755)
    (www / "index.html").chmod(0o644)
    out = docker(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        f"{port}:80",
        "-v",
        f"{www}:/www:ro",
        "busybox",
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
    ).stdout.strip()
    assert len(out) == 64
    assert fetch(f"http://127.0.0.1:{port}/index.html") == b"hello from dockershim\n"
    ps = docker("ps", "--filter", f"name={name}", "--format", "{{.Names}} {{.Image}} {{.Status}}")
    line = ps.stdout.strip()
    assert line.startswith(f"{name} busybox Up"), line
    port_out = docker("port", name).stdout
    assert f"80/tcp -> 0.0.0.0:{port}" in port_out
    assert docker("inspect", "-f", "{{.State.Status}} {{.Name}}", name).stdout.split() == [
        "running",
        f"/{name}",
    ]
    docker("stop", "-t", "1", name)
    assert docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "exited"
    docker("rm", name)
    assert podman("container", "exists", name, check=False).returncode == 1


def test_inspect_templates(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "create",
        "--name",
        name,
        "-e",
        "FOO=bar",
        "--label",
        "team=core",
        "-w",
        "/tmp",
        "--entrypoint",
        "sh",
        "busybox",
        "-c",
        "exit 3",
    )
    fmt = (
        "{{.Config.Image}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|"
        '{{index .Config.Labels "team"}}|{{.Config.WorkingDir}}|{{.HostConfig.NetworkMode}}|'
        "{{.State.Status}}"
    )
    out = docker("inspect", "-f", fmt, name).stdout.strip()
    assert out == 'busybox|["sh"]|["-c","exit 3"]|core|/tmp|bridge|created', out
    env = json.loads(docker("inspect", "-f", "{{json .Config.Env}}", name).stdout)
    assert "FOO=bar" in env
    docker("start", name)
    code = docker("wait", name).stdout.strip()
    assert code == "3"
    assert docker("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "3"


def test_errors(docker: DockerRun, cleanup: Cleanup) -> None:
    r = docker("inspect", "--type", "container", "nosuchthing-xyz", check=False)
    assert r.returncode != 0 and "No such container: nosuchthing-xyz" in r.stderr
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    r = docker("create", "--name", name, "busybox", check=False)
    assert r.returncode != 0 and "is already in use by container" in r.stderr
    r = docker("rm", name, check=False)
    assert r.returncode != 0 and "container is running" in r.stderr
    docker("rm", "-f", name)
    assert podman("container", "exists", name, check=False).returncode == 1
