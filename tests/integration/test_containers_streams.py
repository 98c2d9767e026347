"""Long-lived container responses: logs -f children die with the client; TTY logs are raw."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from typing import Any

import pytest

from tests.conftest import Cleanup, DockerRun, Shim, podman


def children(shim: Shim) -> str:
    assert shim.proc is not None
    return subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(shim.proc.pid)],
        capture_output=True,
        text=True,
    ).stdout


def _log_files_open(shim: Shim) -> list[str]:
    assert shim.proc is not None
    fds = f"/proc/{shim.proc.pid}/fd"
    found = []
    for fd in os.listdir(fds):
        with contextlib.suppress(OSError):
            if os.readlink(f"{fds}/{fd}").endswith("/ctr.log"):
                found.append(fd)
    return found


@pytest.mark.parametrize("tail", ["1", "all"])
def test_logs_follow_reader_ends_when_client_leaves(
    docker: DockerRun, shim: Shim, cleanup: Cleanup, tail: str
) -> None:
    """`tail=1` is read by a `podman logs --follow` child, the whole log of a running
    container from its file (engine/log_file.py): either is gone once the client leaves."""
    name = cleanup.container()
    cid = docker("run", "-d", "--name", name, "busybox", "sh", "-c", "echo hi; sleep 300").stdout
    cid = cid.strip()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(shim.socket)
    query = f"follow=1&stdout=1&tail={tail}"
    sock.sendall(f"GET /v1.45/containers/{cid}/logs?{query} HTTP/1.1\r\nHost: d\r\n\r\n".encode())
    data = b""
    while b"hi\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n" in data  # one stdout frame

    def reading() -> bool:
        if tail == "all":
            return bool(_log_files_open(shim))
        return f"logs --follow --tail 1 -- {cid}" in children(shim)

    assert reading()
    sock.close()
    for _ in range(100):
        if not reading():
            break
        time.sleep(0.1)
    assert not reading()


def test_tty_logs_are_raw(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run("busybox", ["echo", "tty-out"], name=name, tty=True, detach=True)
    c.wait()
    assert c.logs() == b"tty-out\r\n"


def test_restart_and_kill_signal(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run(
        "busybox", ["sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.2; done"],
        name=name, detach=True,
    )  # fmt: skip
    c.reload()
    started = c.attrs["State"]["StartedAt"]
    c.restart(timeout=1)
    c.reload()
    assert c.status == "running"
    assert c.attrs["State"]["StartedAt"] != started
    c.kill(signal="SIGUSR1")
    assert c.wait()["StatusCode"] == 42
    import docker.errors
    import pytest

    with pytest.raises(docker.errors.APIError) as err:
        c.kill()
    assert err.value.status_code == 409


def test_size_and_stop_of_stopped_is_304(dclient: Any, docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run("busybox", ["sh", "-c", "echo x > /f"], name=name, detach=True)
    c.wait()
    api = dclient.api
    info = api._result(api._get(api._url("/containers/{0}/json", c.id), params={"size": 1}), True)
    assert info["SizeRw"] > 0 and info["SizeRootFs"] > 0
    listed = dclient.api.containers(all=True, size=True, filters={"id": c.id})
    assert listed[0]["SizeRw"] > 0
    docker("stop", name)  # already stopped: 304, the CLI exits 0
    docker("start", name)
    docker("start", name)  # running (or just exited): never an error


def test_wait_watches_podmans_state_without_a_child(
    docker: DockerRun, shim: Shim, cleanup: Cleanup
) -> None:
    """A wait costs no podman process (it watches podman's state), and answers the exit code
    podman records; a wait whose client left does not hold up the next one."""
    name = cleanup.container()
    cid = docker("run", "-d", "--name", name, "busybox", "sleep", "300").stdout.strip()
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.connect(shim.socket)
    left.sendall(f"POST /v1.45/containers/{cid}/wait HTTP/1.1\r\nHost: d\r\n\r\n".encode())
    assert left.recv(4096).startswith(b"HTTP/1.1 200")
    left.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(shim.socket)
    sock.sendall(f"POST /v1.45/containers/{cid}/wait HTTP/1.1\r\nHost: d\r\n\r\n".encode())
    reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 200")
    assert f"container={cid}" not in children(shim)
    podman("kill", cid)  # behind the shim's back
    sock.settimeout(30)
    while b"StatusCode" not in reply:
        chunk = sock.recv(4096)
        assert chunk, reply
        reply += chunk
    sock.close()
    code = podman("inspect", "--format", "{{.State.ExitCode}}", cid).stdout.strip()
    assert f'"StatusCode": {code}'.encode() in reply
    assert code == "137"
