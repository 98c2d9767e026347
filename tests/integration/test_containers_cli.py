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


def test_logs_follow_tail_and_timestamps(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "run", "-d", "--name", name, "busybox",
        "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 2; echo last",
    )  # fmt: skip
    # follow ends by itself when the container stops
    out = docker("logs", "-f", "--tail", "2", name, timeout=60)
    assert out.stdout.splitlines()[:1] == ["line5"]
    assert out.stdout.splitlines()[-1] == "last"
    assert "oops" in out.stderr
    stamped = docker("logs", "-t", "--tail", "1", name).stdout.strip()
    stamp, _, text = stamped.partition(" ")
    assert text == "last"
    assert stamp.endswith("Z") and stamp[4] == "-" and "T" in stamp


def test_container_prune(docker: DockerRun, cleanup: Cleanup) -> None:
    done = cleanup.container()
    alive = cleanup.container()
    docker("run", "-d", "--name", done, "--label", "prunetest=1", "busybox", "true")
    docker("run", "-d", "--name", alive, "--label", "prunetest=1", "busybox", "sleep", "300")
    docker("wait", done)
    out = docker("container", "prune", "-f", "--filter", "label=prunetest=1").stdout
    assert "Deleted Containers" in out
    assert podman("container", "exists", done, check=False).returncode == 1
    assert podman("container", "exists", alive, check=False).returncode == 0


def test_healthcheck_on_demand(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "run", "-d", "--name", name, "--health-cmd", "test -e /tmp/ok", "--health-interval",
        "1s", "--health-retries", "1", "busybox", "sh", "-c", "touch /tmp/ok; sleep 300",
    )  # fmt: skip
    status = ""
    for _ in range(30):
        status = docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip()
        if status == "healthy":
            break
        time.sleep(0.5)
    assert status == "healthy"
    ps = docker("ps", "--filter", f"name={name}", "--filter", "health=healthy", "-q").stdout
    assert ps.strip()
    podman("exec", name, "rm", "/tmp/ok")
    for _ in range(30):
        status = docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip()
        if status == "unhealthy":
            break
        time.sleep(0.5)
    assert status == "unhealthy"


def test_warnings_for_limits_and_refused_fields(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    out = docker("create", "--name", name, "--memory", "64m", "busybox")
    assert "WARNING" in out.stderr and "memory limit" in out.stderr
    r = docker(
        "create", "--name", cleanup.container(), "--domainname", "x.example", "busybox", check=False
    )
    assert r.returncode != 0 and "Domainname" in r.stderr


def test_pause_is_a_clear_error(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    r = docker("pause", name, check=False)
    assert r.returncode != 0
    assert "cgroup" in r.stderr
    assert docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
