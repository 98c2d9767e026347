"""Socket activation and idle exit, through systemd's `systemd-socket-activate` and through our
activator: a cold connect is served, the service goes away when idle while containers live on,
an open connection keeps it alive across idle timeouts, and the activator hands the socket on
across exits without refusing or resetting anyone."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import DOCKER, FIXTURE_IMAGE, Cleanup, podman
from tests.integration.activation import IDLE, Activated, activated, docker_cli, http_get

__all__ = ["activated"]  # the fixture


def test_cold_connect_served_then_idle_exit_keeps_containers(
    activated: Activated, cleanup: Cleanup
) -> None:
    if activated.mode == "activator":
        assert activated.service_pids() == []  # nothing runs before the first client
    answer = docker_cli(activated.url, "version", "--format", "{{.Server.Version}}")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip()
    assert activated.next_notification() == "READY=1"

    # containers started through the service: one kept, one --rm that ends while no service runs
    name, gone = cleanup.container(), cleanup.container()
    for args in (["--name", name], ["--rm", "--name", gone]):
        run = docker_cli(activated.url, "run", "-d", *args, FIXTURE_IMAGE, "sleep", "8")
        assert run.returncode == 0, run.stderr
    activated.wait_for("STOPPING=1")
    activated.wait_service_gone()
    state = podman("inspect", "--format", "{{.State.Running}}", name).stdout.strip()
    assert state == "true"  # the container outlived the service
    deadline = time.monotonic() + 60
    while podman("container", "exists", gone, check=False).returncode == 0:
        assert time.monotonic() < deadline, "--rm container not removed without a service"
        time.sleep(0.5)
    assert podman("container", "exists", name, check=False).returncode == 0

    if activated.mode == "activator":  # re-armed: the next client starts a new service
        again = docker_cli(activated.url, "ps", "-a", "--format", "{{.Names}}")
        assert again.returncode == 0, again.stderr
        assert name in again.stdout.split()
        assert activated.next_notification() == "READY=1"


def test_held_streams_outlive_idle_timeouts(activated: Activated, cleanup: Cleanup) -> None:
    """docker logs -f, docker wait and docker events keep the service alive for several idle
    timeouts, and get everything that happened meanwhile."""
    name = cleanup.container()
    script = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"
    run = docker_cli(activated.url, "run", "-d", "--name", name, FIXTURE_IMAGE, "sh", "-c", script)
    assert run.returncode == 0, run.stderr
    assert activated.next_notification() == "READY=1"
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "DOCKER_HOST": activated.url, "DOCKER_CONFIG": config}
        held = {
            what: subprocess.Popen(
                [DOCKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
            for what, args in {
                "logs": ["logs", "-f", name],
                "wait": ["wait", name],
                "events": ["events", "--filter", f"container={name}", "--format", "{{.Action}}"],
            }.items()
        }
        try:
            pids = activated.service_pids()
            time.sleep(5 * IDLE)
            assert activated.drain_notifications() == []  # no STOPPING=1 meanwhile
            assert activated.service_pids() == pids
            assert all(proc.poll() is None for proc in held.values())
            podman("stop", "--time", "1", name)
            logs, _ = held["logs"].communicate(timeout=60)
            waited, _ = held["wait"].communicate(timeout=60)
            time.sleep(1)
            held["events"].terminate()
            events, _ = held["events"].communicate(timeout=60)
        finally:
            for proc in held.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    ticks = [line for line in logs.splitlines() if line.startswith("tick ")]
    assert len(ticks) >= 8, logs  # written over the whole time it was held
    assert waited.strip() in ("137", "143"), waited
    assert "die" in events.split(), events
    activated.wait_for("STOPPING=1")  # once all are gone, the service goes idle


def test_open_connection_outlives_idle_timeouts(activated: Activated) -> None:
    """A client in the middle of a request (a held stream, here a request head that arrives a
    few bytes at a time) keeps the service alive for several idle timeouts, then is answered."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(60)
    client.connect(activated.socket)
    request = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
    first_pids: list[int] = []
    try:
        started = time.monotonic()
        for i, byte in enumerate(request):
            client.sendall(bytes([byte]))
            if i == 0:
                assert activated.next_notification() == "READY=1"
                first_pids = activated.service_pids()
            if time.monotonic() - started < 4 * IDLE:
                time.sleep(0.1)
        assert activated.drain_notifications() == []  # no STOPPING=1 meanwhile
        assert activated.service_pids() == first_pids
        response = b""
        while chunk := client.recv(4096):
            response += chunk
    finally:
        client.close()
    assert response.startswith(b"HTTP/1.1 200"), response
    activated.wait_for("STOPPING=1")  # and once it is gone, the service goes idle


def test_exited_service_refuses_nobody_under_activator(tmp_path: Path) -> None:
    instance = Activated(tmp_path, "activator", IDLE).start()
    try:
        assert http_get(instance.socket) == "200"
        assert instance.next_notification() == "READY=1"
        instance.wait_for("STOPPING=1")
        # the service is leaving: this connection lands in the backlog and wakes the next one
        assert http_get(instance.socket, "/version") == "200"
        assert "READY=1" in [instance.next_notification(), instance.next_notification()]
    finally:
        instance.stop()


def test_cold_reads_see_what_podman_made_meanwhile(tmp_path: Path, cleanup: Cleanup) -> None:
    """A service's first request that is a read (`docker ps`, `inspect`, `images`, `info`,
    network lists and inspects), answered before its full app is built (api/lazyapp.py,
    api/reads.py), sees what the podman CLI made while no service ran, as podman tells it."""
    instance = Activated(tmp_path, "activator", IDLE).start()
    try:
        name, net = cleanup.container(), cleanup.name("dstnet")
        cleanup.networks.append(net)
        podman("network", "create", net)
        podman("run", "-d", "--name", name, "--network", net, FIXTURE_IMAGE, "sleep", "60")
        ident = podman("inspect", "--format", "{{.Id}}", name).stdout.strip()
        image = podman("image", "inspect", "--format", "{{.Id}}", FIXTURE_IMAGE).stdout.strip()
        driver = podman("info", "--format", "{{.Store.GraphDriverName}}").stdout.strip()
        row = "{{.ID}} {{.Names}} {{.State}} {{.Networks}}"
        reads = [
            (["ps", "--no-trunc", "--format", row], f"{ident} {name} running {net}"),
            (["inspect", "--format", "{{.Id}} {{.State.Status}}", name], f"{ident} running"),
            (["images", "--no-trunc", "--format", "{{.ID}}"], f"sha256:{image}"),
            (["image", "inspect", "--format", "{{.Id}}", FIXTURE_IMAGE], f"sha256:{image}"),
            (["network", "ls", "--format", "{{.Name}} {{.Driver}}"], f"{net} bridge"),
            (
                ["network", "inspect", "--format", "{{range .Containers}}{{.Name}}{{end}}", net],
                name,
            ),
            (["info", "--format", "{{.Driver}}"], driver),
        ]
        for args, wanted in reads:
            assert instance.service_pids() == []  # each read is a cold service's first
            answer = docker_cli(instance.url, *args)
            assert answer.returncode == 0, answer.stderr
            assert wanted in answer.stdout.splitlines(), (args, answer.stdout)
            instance.wait_service_gone()
            assert instance.drain_notifications() == ["READY=1", "STOPPING=1"]
        # networks made and removed while no service runs: a service keeps podman's network
        # list for the next one (engine/networks.py), which must see each change
        later = cleanup.name("dstnet")
        cleanup.networks.append(later)
        podman("network", "create", later)
        listed = docker_cli(instance.url, "network", "ls", "--format", "{{.Name}}")
        assert later in listed.stdout.split() and net in listed.stdout.split()
        instance.wait_service_gone()
        podman("network", "rm", later)
        listed = docker_cli(instance.url, "network", "ls", "--format", "{{.Name}}")
        assert later not in listed.stdout.split() and net in listed.stdout.split()
        instance.wait_service_gone()
        podman("rm", "-f", "-t", "0", name)
        gone = docker_cli(instance.url, "ps", "-a", "--format", "{{.Names}}")
        assert gone.returncode == 0 and name not in gone.stdout.split()
    finally:
        instance.stop()
    assert "Traceback" not in instance.log()
