"""Host port 0 (or empty) asks for a free host port, as dockerd does (Testcontainers relies on it)."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.conftest import Cleanup, DockerRun


def _get(port: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
        return r.read().decode()


def test_docker_py_host_port_zero(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    host_config = dclient.api.create_host_config(port_bindings={8080: "0", 8081: ""})
    dclient.api.create_container(
        "busybox",
        ["sh", "-c", "echo served >/tmp/index.html; exec httpd -f -h /tmp -p 8080"],
        name=name,
        ports=[8080, 8081],
        host_config=host_config,
    )
    dclient.api.start(name)
    ports = dclient.api.inspect_container(name)["NetworkSettings"]["Ports"]
    chosen = {port: {b["HostPort"] for b in bindings} for port, bindings in ports.items()}
    for port in ("8080/tcp", "8081/tcp"):
        (host_port,) = chosen[port]
        assert 0 < int(host_port) < 65536
    assert chosen["8080/tcp"] != chosen["8081/tcp"]
    (host_port,) = chosen["8080/tcp"]
    assert dclient.api.port(name, 8080)[0]["HostPort"] == host_port
    # HostConfig keeps what was asked for, as dockerd shows it
    asked = dclient.api.inspect_container(name)["HostConfig"]["PortBindings"]
    assert asked == {
        "8080/tcp": [{"HostIp": "", "HostPort": "0"}],
        "8081/tcp": [{"HostIp": "", "HostPort": ""}],
    }
    assert _get(host_port) == "served\n"


def test_cli_publish_zero(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        "0:80",
        "-p",
        "127.0.0.1:0:81",
        "busybox",
        "sh",
        "-c",
        "echo hello >/tmp/index.html; exec httpd -f -h /tmp -p 80",
    )
    out = docker("port", name, "80/tcp").stdout.split()
    host_port = out[0].rsplit(":", 1)[1]
    assert int(host_port) > 0
    assert _get(host_port) == "hello\n"
    loopback = docker("port", name, "81").stdout.strip()
    assert loopback.startswith("127.0.0.1:") and int(loopback.rsplit(":", 1)[1]) > 0
    assert (
        f":{host_port}->80/tcp"
        in docker("ps", "--filter", f"name={name}", "--format", "{{.Ports}}").stdout
    )
