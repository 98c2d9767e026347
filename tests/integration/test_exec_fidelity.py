"""Exec details clients' own suites check (docker-py, raw sockets) against rootless podman."""

from __future__ import annotations

import time
from typing import Any

from dockershim.streams.framing import parse_frames
from tests.conftest import Cleanup
from tests.integration.test_streams_cli import eventually
from tests.integration.test_streams_py import read_all, running


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
