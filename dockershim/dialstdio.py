"""`dockershim dial-stdio`: join stdin/stdout to the user's dockershim socket, for remote use.

`docker -H ssh://user@host` (and a context with that host) runs `ssh user@host docker system
dial-stdio` (`docker --host=unix://PATH system dial-stdio` when the URL has a path) and speaks
HTTP over the ssh channel. Where the remote host has the docker CLI, that CLI does the job; where
it does not, the `dockershim` command linked (or copied) as `docker` on the remote PATH answers
`docker [-H unix://PATH] system dial-stdio` itself and refuses everything else. The socket is
the `-H`/`--host` given, else `DOCKER_HOST` when it is a unix socket, else
`$XDG_RUNTIME_DIR/docker.sock` (`/run/user/UID/docker.sock`: ssh sessions often lack
XDG_RUNTIME_DIR). Connecting wakes the activator, as any client does.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections.abc import Mapping, Sequence

from dockershim.server.listener import default_socket_path

CHUNK = 1 << 16
STAND_IN = (
    "this `docker` is dockershim's stand-in for remote use over ssh: it only answers "
    "`docker system dial-stdio`; install the docker CLI for everything else"
)


class UsageError(Exception):
    pass


def socket_path(host: str | None, env: Mapping[str, str]) -> str:
    for candidate in (host, env.get("DOCKER_HOST")):
        if not candidate:
            continue
        if candidate.startswith("unix://"):
            return candidate[len("unix://") :]
        if candidate is host:
            raise UsageError(f"{host}: only unix:// sockets are served here")
    return default_socket_path(dict(env))


def parse_docker_argv(argv: Sequence[str]) -> str | None:
    """The host of `docker [-H X | --host X | --host=X] system dial-stdio`; UsageError else."""
    host: str | None = None
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag in ("-H", "--host") and rest:
            host = rest.pop(0)
        elif flag.startswith("--host="):
            host = flag.split("=", 1)[1]
        elif flag.startswith("-H") and len(flag) > 2:
            host = flag[2:].lstrip("=")
        else:
            raise UsageError(f"unknown flag {flag}: {STAND_IN}")
    if rest != ["system", "dial-stdio"]:
        raise UsageError(STAND_IN)
    return host


def _pump_in(conn: socket.socket, stdin: int) -> None:
    # stdin's EOF is the client's half-close: pass it on, the answer may still be coming.
    try:
        while data := os.read(stdin, CHUNK):
            conn.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)


def dial(path: str, stdin: int = 0, stdout: int = 1) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError as exc:
        print(f"dockershim dial-stdio: cannot connect to {path}: {exc}", file=sys.stderr)
        return 1
    threading.Thread(target=_pump_in, args=(conn, stdin), daemon=True).start()
    try:
        while data := conn.recv(CHUNK):
            view = memoryview(data)
            while view:
                view = view[os.write(stdout, view) :]
    except OSError:
        return 1
    finally:
        conn.close()
    return 0


def docker_main(argv: Sequence[str]) -> int:
    """Entry point when the dockershim command runs under the name `docker`."""
    try:
        path = socket_path(parse_docker_argv(argv), os.environ)
    except UsageError as exc:
        print(f"docker: {exc}", file=sys.stderr)
        return 1
    return dial(path)


def main(host: str | None) -> int:
    try:
        path = socket_path(host, os.environ)
    except UsageError as exc:
        print(f"dockershim dial-stdio: {exc}", file=sys.stderr)
        return 1
    return dial(path)
