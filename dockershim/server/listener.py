"""Listening sockets: our own unix socket, or the ones systemd (or our activator) hands over.

Our own socket is created mode 0600 (the API is as powerful as the user), a stale socket file
left by a dead service is replaced, and a socket that still answers is never taken over.
Sockets passed with LISTEN_FDS belong to the activator: we never unlink or re-bind them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import time
from collections.abc import MutableMapping

SD_LISTEN_FDS_START = 3


class SocketInUse(RuntimeError):
    pass


def default_socket_path(env: MutableMapping[str, str] | None = None) -> str:
    """`$XDG_RUNTIME_DIR/docker.sock`: where rootless Docker lives and Testcontainers looks."""
    env = os.environ if env is None else env
    runtime_dir = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return os.path.join(runtime_dir, "docker.sock")


def _answers(path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except OSError:
        return False
    finally:
        probe.close()
    return True


def bind_unix_socket(path: str, backlog: int = socket.SOMAXCONN) -> socket.socket:
    """Bind and listen on `path` with mode 0600, replacing a stale socket file."""
    if os.path.lexists(path):
        mode = os.lstat(path).st_mode
        if not stat.S_ISSOCK(mode):
            raise SocketInUse(f"{path} exists and is not a socket; refusing to replace it")
        if _answers(path):
            raise SocketInUse(f"another service is already listening on {path}")
        os.unlink(path)
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket file is born 0600: no window where others connect
    try:
        sock.bind(path)
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    sock.listen(backlog)
    return sock


def sockets_from_environment(env: MutableMapping[str, str] | None = None) -> list[socket.socket]:
    """Take the sockets passed by systemd's LISTEN_FDS protocol (none when not activated).

    The variables are removed so that our children (podman) do not think they were activated.
    """
    env = os.environ if env is None else env
    try:
        pid = int(env.get("LISTEN_PID", ""))
        count = int(env.get("LISTEN_FDS", ""))
    except ValueError:
        return []
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        env.pop(name, None)
    if pid != os.getpid() or count <= 0:
        return []
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + count):
        os.set_inheritable(fd, False)
        sockets.append(socket.socket(fileno=fd))
    return sockets


def take_notify_socket(env: MutableMapping[str, str] | None = None) -> str | None:
    """Take NOTIFY_SOCKET out of the environment, as sd_notify(unset_environment=1) does.

    Our children must not see it: `podman run` would hand it to the container (sdnotify mode)
    and systemd would hear a container's READY=1 as ours.
    """
    env = os.environ if env is None else env
    return env.pop("NOTIFY_SOCKET", None) or None


NOTIFY_WAIT = 1.0  # seconds a send may wait for room in the listener's queue


def sd_notify(state: str, env: MutableMapping[str, str] | None = None) -> bool:
    """Send `state` (READY=1, STOPPING=1) to NOTIFY_SOCKET when systemd asked for it.

    A datagram send blocks while the listener's queue is full (net.unix.max_dgram_qlen, 10
    here), and this runs on the event loop: a listener that stopped reading would stop the
    service for good. So the send is tried again for NOTIFY_WAIT at most (a socket timeout
    would spin: the sender's side polls writable all along), then the state goes unsaid."""
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    give_up = time.monotonic() + NOTIFY_WAIT
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        while True:
            try:
                sock.sendto(state.encode(), socket.MSG_DONTWAIT, address)
                return True
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    return False
                time.sleep(0.01)
    return False
