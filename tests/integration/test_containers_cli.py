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
    prefix = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()[:12]
    assert docker("inspect", "-f", "{{.State.Status}} {{.Name}}", prefix).stdout.split() == [
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
    for args in (["logs"], ["logs", "-f"], ["stop"], ["start"], ["wait"], ["rm"], ["port"]):
        r = docker(*args, "nosuchthing-xyz", check=False)
        assert r.returncode != 0 and "No such container: nosuchthing-xyz" in r.stderr, args
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
    out = docker("container", "prune", "-f", "--filter", "until=1h").stdout  # too young
    assert podman("container", "exists", done, check=False).returncode == 0
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


def test_ps_filters(docker: DockerRun, cleanup: Cleanup) -> None:
    first = cleanup.container()
    second = cleanup.container()
    vol = cleanup.name("dsv")
    cleanup.volumes.append(vol)
    port = free_port()
    docker("run", "-d", "--name", first, "busybox", "sh", "-c", "exit 2")
    docker("wait", first)
    docker(
        "run", "-d", "--name", second, "-p", f"{port}:80", "-v", f"{vol}:/data",
        "--label", "role=web", "busybox", "sleep", "300",
    )  # fmt: skip

    def names(*filters: str) -> set[str]:
        args = ["ps", "-a", "--format", "{{.Names}}"]
        for f in filters:
            args += ["--filter", f]
        return set(docker(*args).stdout.split())

    assert first in names("exited=2") and second not in names("exited=2")
    assert names(f"before={second}") >= {first} and second not in names(f"before={second}")
    assert second in names(f"since={first}") and first not in names(f"since={first}")
    assert second in names(f"publish={port}") and first not in names(f"publish={port}")
    assert names(f"volume={vol}") == {second}
    assert second in names("network=bridge")
    bridge_id = docker("network", "inspect", "-f", "{{.Id}}", "bridge").stdout.strip()
    assert second in names(f"network={bridge_id[:12]}")  # dockerd: a prefix of the id
    assert second not in names("network=0123456789ab")
    assert names("label=role=web", f"name={second}") == {second}
    assert {first, second} <= names(f"name={first}", f"name={second}")  # OR within a key
    assert names("status=running", f"name={first}") == set()
    r = docker("ps", "--filter", "status=sleepy", check=False)
    assert r.returncode != 0 and "invalid filter" in r.stderr


def test_logs_since_until(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sh", "-c", "echo early; sleep 2; echo late")
    docker("wait", name)
    stamped = docker("logs", "-t", name).stdout.splitlines()
    early_stamp = stamped[0].split(" ", 1)[0]
    late_stamp = stamped[1].split(" ", 1)[0]
    # both bounds are inclusive, as dockerd's
    assert docker("logs", "--since", late_stamp, name).stdout == "late\n"
    assert docker("logs", "--until", early_stamp, name).stdout == "early\n"


def test_docker_run_attached_exit_code_and_rm(docker: DockerRun, cleanup: Cleanup) -> None:
    """`docker run` (attached) drives create -> attach -> wait(next-exit/removed) -> start."""
    name = cleanup.container()
    r = docker(
        "run", "--name", name, "busybox", "sh", "-c", "echo out; echo err >&2; exit 3", check=False
    )
    assert r.returncode == 3
    assert r.stdout == "out\n" and "err" in r.stderr
    name2 = cleanup.container()
    r = docker(
        "run", "--rm", "--name", name2, "busybox", "sh", "-c", "echo bye; exit 4", check=False
    )
    assert (r.returncode, r.stdout) == (4, "bye\n")
    assert podman("container", "exists", name2, check=False).returncode == 1


def test_docker_run_attached_exit_codes(docker: DockerRun, cleanup: Cleanup) -> None:
    """create -> attach -> wait(next-exit / removed) -> start: the exit code is the container's."""
    name = cleanup.container()
    assert (
        docker("run", "--name", name, "busybox", "sh", "-c", "exit 3", check=False).returncode == 3
    )
    name2 = cleanup.container()
    r = docker("run", "--rm", "--name", name2, "busybox", "sh", "-c", "exit 4", check=False)
    assert r.returncode == 4
    assert podman("container", "exists", name2, check=False).returncode == 1


def test_image_names_as_docker_users_write_them(docker: DockerRun, cleanup: Cleanup) -> None:
    local = cleanup.name("dsimg")
    podman("tag", "busybox", f"localhost/{local}:v1")
    cleanup.images.append(f"localhost/{local}:v1")
    image_id = podman("image", "inspect", "--format", "{{.Id}}", "busybox").stdout.strip()
    for ref, shown in [
        (f"{local}:v1", f"{local}:v1"),
        ("docker.io/library/busybox", "busybox"),  # the CLI sends the familiar name
        ("busybox:latest", "busybox:latest"),
        (image_id[:12], image_id[:12]),
    ]:
        name = cleanup.container()
        docker("create", "--name", name, ref)
        out = docker("ps", "-a", "--filter", f"name={name}", "--format", "{{.Image}}").stdout
        assert out.strip() == shown
        assert "localhost/" not in docker("inspect", "-f", "{{.Config.Image}}", name).stdout
        image = docker("inspect", "-f", "{{.Image}}", name).stdout.strip()
        assert image == f"sha256:{image_id}"
    r = docker("create", "--name", cleanup.container(), f"{local}:nope", check=False)
    assert r.returncode != 0  # 404, then the CLI tries to pull: an error either way


def test_inspect_network_and_state_fields(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    port = free_port()
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:80", "busybox", "sleep", "300")
    fmt = (
        '{{.NetworkSettings.IPAddress}}|{{(index .NetworkSettings.Ports "80/tcp" 0).HostPort}}|'
        '{{(index .NetworkSettings.Ports "80/tcp" 0).HostIp}}|{{.State.Running}}|'
        "{{if .State.Pid}}true{{end}}|{{.RestartCount}}|{{.Created}}"
    )
    ip, host_port, host_ip, running, pid, restarts, created = (
        docker("inspect", "-f", fmt, name).stdout.strip().split("|")
    )
    assert ip.startswith("10.88.")
    assert (host_port, host_ip, running, pid, restarts) == (
        str(port),
        "127.0.0.1",
        "true",
        "true",
        "0",
    )
    assert created.endswith("Z") and "T" in created
    assert docker("port", name, "80").stdout.strip() == f"127.0.0.1:{port}"


def test_run_pulls_a_missing_image(docker: DockerRun, cleanup: Cleanup) -> None:
    """create answers 404 "No such image", the CLI pulls (images area) and creates again."""
    image = "127.0.0.1:5000/library/busybox:latest"
    podman("rmi", image, check=False)
    cleanup.images.append(image)
    name = cleanup.container()
    r = docker("run", "-d", "--name", name, image, "true")
    assert "Unable to find image" in r.stderr
    assert docker("inspect", "-f", "{{.Config.Image}}", name).stdout.strip() == image


def test_slow_healthcheck_never_blocks_ps_or_inspect(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "run", "-d", "--name", name, "--health-cmd", "sleep 20", "--health-timeout", "30s",
        "busybox", "sleep", "300",
    )  # fmt: skip
    # the check succeeds after 20 s: had inspect or ps waited for it, they would say healthy
    status = docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip()
    assert status == "starting"
    ps = docker("ps", "--filter", f"name={name}", "--format", "{{.Status}}").stdout
    assert "(health: starting)" in ps


def test_ps_without_all_and_before_a_stopped_one(docker: DockerRun, cleanup: Cleanup) -> None:
    stopped = cleanup.container()
    running = cleanup.container()
    docker("create", "--name", stopped, "busybox")
    docker("run", "-d", "--name", running, "busybox", "sleep", "300")
    plain = docker("ps", "--format", "{{.Names}}").stdout.split()
    assert running in plain and stopped not in plain
    # `since` names a container that is not running: still resolvable without -a
    assert running in docker("ps", "--filter", f"since={stopped}", "--format", "{{.Names}}").stdout
