"""`docker system dial-stdio` as the remote side of `docker -H ssh://...` runs it, and where the
socket is taken from."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from dockershim import dialstdio


def test_the_command_lines_the_docker_cli_sends() -> None:
    assert dialstdio.parse_docker_argv(["system", "dial-stdio"]) is None
    host = "unix:///run/user/1000/docker.sock"
    assert dialstdio.parse_docker_argv([f"--host={host}", "system", "dial-stdio"]) == host
    assert dialstdio.parse_docker_argv(["-H", host, "system", "dial-stdio"]) == host
    assert dialstdio.parse_docker_argv(["--host", host, "system", "dial-stdio"]) == host
    for argv in (["ps"], ["system", "info"], ["--debug", "system", "dial-stdio"], []):
        with pytest.raises(dialstdio.UsageError):
            dialstdio.parse_docker_argv(argv)


def test_socket_path_order() -> None:
    env = {"DOCKER_HOST": "unix:///env.sock", "XDG_RUNTIME_DIR": "/run/user/7"}
    assert dialstdio.socket_path("unix:///given.sock", env) == "/given.sock"
    assert dialstdio.socket_path(None, env) == "/env.sock"
    assert dialstdio.socket_path(None, {"XDG_RUNTIME_DIR": "/run/user/7"}) == (
        "/run/user/7/docker.sock"
    )
    ssh_session = {"DOCKER_HOST": "tcp://elsewhere:2375"}  # not ours: the default socket
    assert dialstdio.socket_path(None, ssh_session) == f"/run/user/{os.getuid()}/docker.sock"
    with pytest.raises(dialstdio.UsageError):
        dialstdio.socket_path("tcp://1.2.3.4:2375", {})


def test_dial_passes_bytes_both_ways_and_the_half_close(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    seen: list[bytes] = []

    def answer() -> None:
        conn, _ = server.accept()
        data = b""
        while chunk := conn.recv(4096):  # until the client's half-close arrives
            data += chunk
        seen.append(data)
        conn.sendall(b"answer after EOF")
        conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(in_w, b"GET /_ping HTTP/1.1\r\n\r\n")
    os.close(in_w)
    assert dialstdio.dial(path, in_r, out_w) == 0
    os.close(out_w)
    thread.join(10)
    assert seen == [b"GET /_ping HTTP/1.1\r\n\r\n"]
    assert os.read(out_r, 100) == b"answer after EOF"
    server.close()
