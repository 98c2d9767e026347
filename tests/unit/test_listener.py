"""Socket handling: our own socket's mode and stale-file rules, LISTEN_FDS, sd_notify."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from dockershim.server import listener
from dockershim.server.listener import (
    SocketInUse,
    bind_unix_socket,
    default_socket_path,
    sd_notify,
    sockets_from_environment,
    take_notify_socket,
)


def test_default_path_is_rootless_docker_path() -> None:
    assert (
        default_socket_path({"XDG_RUNTIME_DIR": "/run/user/1234"}) == "/run/user/1234/docker.sock"
    )


def test_socket_is_private(tmp_path: Path) -> None:
    path = str(tmp_path / "d.sock")
    sock = bind_unix_socket(path)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        sock.close()


def test_stale_socket_is_replaced(tmp_path: Path) -> None:
    path = str(tmp_path / "d.sock")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.close()  # the file stays, nobody answers
    sock = bind_unix_socket(path)
    sock.close()


def test_live_socket_is_not_taken_over(tmp_path: Path) -> None:
    path = str(tmp_path / "d.sock")
    live = bind_unix_socket(path)
    try:
        with pytest.raises(SocketInUse, match="already listening"):
            bind_unix_socket(path)
        assert os.path.exists(path)
    finally:
        live.close()


def test_regular_file_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "d.sock"
    path.write_text("precious")
    with pytest.raises(SocketInUse, match="not a socket"):
        bind_unix_socket(str(path))
    assert path.read_text() == "precious"


def test_listen_fds_for_another_pid_are_ignored() -> None:
    env = {"LISTEN_PID": str(os.getpid() + 1), "LISTEN_FDS": "1"}
    assert sockets_from_environment(env) == []
    assert "LISTEN_FDS" not in env  # never passed on to children


def test_listen_fds_are_taken(tmp_path: Path) -> None:
    listener = bind_unix_socket(str(tmp_path / "a.sock"))
    # Put the socket on fd 3 as an activator would (saving whatever was there).
    saved = os.dup(3) if _fd_open(3) else None
    os.dup2(listener.fileno(), 3)
    try:
        env = {"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "1", "LISTEN_FDNAMES": "docker"}
        sockets = sockets_from_environment(env)
        assert len(sockets) == 1
        assert sockets[0].getsockname() == str(tmp_path / "a.sock")
        assert env == {}
        sockets[0].detach()
    finally:
        if saved is not None:
            os.dup2(saved, 3)
            os.close(saved)
        else:
            os.close(3)
        listener.close()


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_sd_notify(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    try:
        assert sd_notify("READY=1", {"NOTIFY_SOCKET": path})
        assert receiver.recv(100) == b"READY=1"
        assert not sd_notify("READY=1", {})
    finally:
        receiver.close()


def test_sd_notify_gives_up_when_nobody_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener that stopped reading (its queue full) costs a bounded wait, not the
    service: sd_notify runs on the event loop."""
    monkeypatch.setattr(listener, "NOTIFY_WAIT", 0.2)
    path = str(tmp_path / "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    filler.setblocking(False)
    try:
        with contextlib.suppress(BlockingIOError):
            for _ in range(10_000):
                filler.sendto(b"x", path)
        started = time.monotonic()
        assert not sd_notify("STOPPING=1", {"NOTIFY_SOCKET": path})
        assert 0.15 <= time.monotonic() - started < 2
        receiver.recv(100)  # room again: the next one goes through
        assert sd_notify("STOPPING=1", {"NOTIFY_SOCKET": path})
    finally:
        filler.close()
        receiver.close()


def test_notify_socket_is_taken_out_of_the_environment() -> None:
    env = {"NOTIFY_SOCKET": "/run/user/1/systemd/notify", "OTHER": "x"}
    assert take_notify_socket(env) == "/run/user/1/systemd/notify"
    assert env == {"OTHER": "x"}  # podman children never see it
    assert take_notify_socket(env) is None
