"""Exec details clients' own suites check (docker-py, raw sockets) against rootless podman."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from typing import Any

from dockershim.streams.framing import parse_frames
from tests.conftest import Cleanup, Shim
from tests.integration.test_streams_cli import eventually
from tests.integration.test_streams_py import _raw_request, read_all, running


def test_framing_follows_the_start_request(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    cmd = ["sh", "-c", "echo out; echo err >&2"]
    # created with a TTY, started without: 8-byte frames, everything on stdout (one terminal)
    exec_id = dclient.api.exec_create(ct.id, cmd, tty=True)["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True, tty=False)._sock
    raw = read_all(sock)
    sock.close()
    frames, rest = parse_frames(raw)
    assert rest == b""
    assert frames and {stream for stream, _ in frames} == {1}
    assert b"".join(data for _, data in frames).replace(b"\r\n", b"\n") == b"out\nerr\n"
    # created without a TTY, started with one: raw bytes, stdout and stderr unframed
    exec_id = dclient.api.exec_create(ct.id, cmd, tty=False)["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True, tty=True)._sock
    raw = read_all(sock)
    sock.close()
    assert sorted(raw.splitlines()) == [b"err", b"out"]


def test_detach_keys_given_at_create(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    cmd = ["sh", "-c", "stty raw -echo; cat > /tmp/got"]
    exec_id = dclient.api.exec_create(ct.id, cmd, stdin=True, tty=True, detach_keys="ctrl-p")["Id"]
    assert dclient.api.exec_inspect(exec_id)["DetachKeys"] == "ctrl-p"
    sock = dclient.api.exec_start(exec_id, socket=True, tty=True)._sock
    time.sleep(0.5)  # let stty switch the terminal to raw mode
    sock.sendall(b"kept\n\x10dropped\n")
    read_all(sock)  # the stream ends on the single ctrl-p
    sock.close()
    assert dclient.api.exec_inspect(exec_id)["Running"] is True
    eventually(lambda: ct.exec_run("cat /tmp/got").output == b"kept\n", "input before the key")
    assert ct.exec_run("pidof cat").exit_code == 0


def _start(shim: Shim, exec_id: str) -> socket.socket:
    """Start the exec; the connection once the 101 head is read."""
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    request = (
        f"POST /v1.45/exec/{exec_id}/start HTTP/1.1\r\nHost: docker\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    ).encode() + body
    head, sock = _raw_request(shim, request)
    assert head.startswith(b"HTTP/1.1 101 ")
    return sock


def _start_and_leave(shim: Shim, exec_id: str) -> None:
    _start(shim, exec_id).close()  # at once, without a half-close


def test_an_exec_whose_client_left_runs_to_its_end(
    dclient: Any, cleanup: Cleanup, shim: Shim
) -> None:
    """As with dockerd: a client that closes the stream right after the head (without reading
    or half-closing) leaves the process running; it ends in its own time and inspect then
    says how. Before, the `podman exec` child was stopped at once: a process not yet started
    never ran, and inspect said Running for ever."""
    ct = running(dclient, cleanup)
    cmd = ["sh", "-c", "sleep 0.5; echo done > /tmp/ran; exit 3"]
    exec_id = dclient.api.exec_create(ct.id, cmd)["Id"]
    _start_and_leave(shim, exec_id)
    ended = eventually(
        lambda: (info := dclient.api.exec_inspect(exec_id))["Running"] is False and info,
        "the exec's end in inspect",
    )
    assert ended["ExitCode"] == 3
    assert ct.exec_run("cat /tmp/ran").output == b"done\n"
    # a process that ends at once: inspect says so too
    exec_id = dclient.api.exec_create(ct.id, ["true"])["Id"]
    _start_and_leave(shim, exec_id)
    eventually(lambda: dclient.api.exec_inspect(exec_id)["Running"] is False, "true's end")
    assert dclient.api.exec_inspect(exec_id)["ExitCode"] == 0


def _podman_execs(container_id: str) -> list[str]:
    """The `podman exec` processes running in the container (the service's children)."""
    listed = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
    return [
        line
        for line in listed.splitlines()
        if line.split()[:2] in (["podman", "exec"], ["/usr/bin/podman", "exec"])
        and container_id in line
    ]


def test_a_long_exec_whose_client_left_is_followed_without_its_child(
    dclient: Any, cleanup: Cleanup, shim: Shim
) -> None:
    """Once podman's session shows the process running, the `podman exec` child (~35 MB)
    stops and the exec is followed through the session: no child per abandoned long exec."""
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(ct.id, ["sh", "-c", "sleep 5; exit 4"])["Id"]
    sock = _start(shim, exec_id)
    eventually(lambda: _podman_execs(ct.id), "the podman exec child while attached")
    sock.close()
    eventually(lambda: not _podman_execs(ct.id), "the podman exec child stopped")
    assert dclient.api.exec_inspect(exec_id)["Running"] is True  # the process runs on
    ended = eventually(
        lambda: (info := dclient.api.exec_inspect(exec_id))["Running"] is False and info,
        "the exec's end in inspect",
    )
    assert ended["ExitCode"] == 4
