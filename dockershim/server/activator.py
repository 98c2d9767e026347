"""`dockershim activate`: socket activation for hosts without systemd (containers, WSL, ...).

Setup here (options, the socket: bound 0600 with the stale-file rules of listener.py, or taken
from LISTEN_FDS), then the process re-executes itself as `python -S` straight into the lean loop
of activation_loop.py, keeping its pid and the socket: the resident activator then holds only
the interpreter and five small modules, never FastAPI, uvicorn or pydantic (see
docs/lifecycle.md for the measured cost). The service is a fresh `dockershim serve` process each
time, with the socket on fd 3.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from dockershim.server.listener import (
    SocketInUse,
    bind_unix_socket,
    default_socket_path,
    sockets_from_environment,
)

DEFAULT_IDLE_TIMEOUT = 120.0  # seconds a socket-activated service stays without clients

_LEAN_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from dockershim.server.activation_loop import lean_main; "
    "raise SystemExit(lean_main(sys.argv[2:]))"
)


def package_parent() -> str:
    """The directory this dockershim package is imported from."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def service_environment() -> dict[str, str]:
    """PYTHONPATH when this package is not where the interpreter finds it by itself, so the
    service started later runs this very code (not another checkout or install)."""
    import site

    parent = package_parent()
    if parent in {os.path.abspath(p) for p in site.getsitepackages()}:
        return {}
    current = os.environ.get("PYTHONPATH", "")
    if parent in current.split(os.pathsep):
        return {"PYTHONPATH": current}
    return {"PYTHONPATH": os.pathsep.join(p for p in (parent, current) if p)}


def service_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "dockershim", "serve", *args]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockershim activate",
        description="Own the Docker API socket; start `dockershim serve` when a client connects.",
    )
    parser.add_argument("--socket", help="socket path (default $XDG_RUNTIME_DIR/docker.sock)")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        help=f"seconds the service stays without clients (default {DEFAULT_IDLE_TIMEOUT:g})",
    )
    parser.add_argument("--podman", help="podman binary (default: podman on PATH)")
    parser.add_argument("--podman-timeout", type=float, help="passed on to `dockershim serve`")
    parser.add_argument("--podman-concurrency", type=int, help="passed on to `dockershim serve`")
    parser.add_argument(
        "--no-podman-service", action="store_true", help="passed on to `dockershim serve`"
    )
    levels = ["debug", "info", "warning", "error"]
    parser.add_argument("--log-level", default="info", choices=levels)
    parser.add_argument("--allow-root", action="store_true", help="allow running as uid 0")
    return parser


def serve_arguments(args: argparse.Namespace) -> list[str]:
    serve = ["--idle-timeout", f"{args.idle_timeout:g}", "--log-level", args.log_level]
    if args.podman:
        serve += ["--podman", args.podman]
    if args.podman_timeout is not None:
        serve += ["--podman-timeout", f"{args.podman_timeout:g}"]
    if args.podman_concurrency is not None:
        serve += ["--podman-concurrency", str(args.podman_concurrency)]
    if args.no_podman_service:
        serve.append("--no-podman-service")
    if args.allow_root:
        serve.append("--allow-root")
    return serve


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() == 0 and not args.allow_root:
        print("dockershim activate: refusing to run as root", file=sys.stderr)
        return 1
    inherited = sockets_from_environment()
    path: str | None = None
    if inherited:
        sock = inherited[0]
    else:
        path = args.socket or default_socket_path()
        try:
            sock = bind_unix_socket(path)
        except (SocketInUse, OSError) as exc:
            print(f"dockershim activate: cannot listen on {path}: {exc}", file=sys.stderr)
            return 1
        print(f"dockershim activate: listening on unix://{path}", file=sys.stderr, flush=True)
    fd = sock.detach()
    inode = os.stat(path).st_ino if path else 0
    command = service_command(serve_arguments(args))
    os.environ.update(service_environment())
    os.set_inheritable(fd, True)
    lean = [
        sys.executable,
        "-S",
        "-c",
        _LEAN_BOOT,
        package_parent(),
        str(fd),
        path or "",
        str(inode),
    ]
    try:
        os.execv(sys.executable, lean + command)
    except OSError:  # no re-exec possible: run the same loop in this (larger) process
        from dockershim.server.activation_loop import lean_main

        return lean_main([str(fd), path or "", str(inode), *command])
