"""Command line: `dockershim serve | activate | install | uninstall | doctor | dial-stdio`.

Run under the name `docker` (a link on a remote host's PATH), it is the stand-in that answers
`docker system dial-stdio` for `docker -H ssh://...` (dialstdio.py).

Imports stay light at the top: `dockershim activate` runs all year and must not pay for FastAPI.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from dockershim import __version__
from dockershim.server.activator import DEFAULT_IDLE_TIMEOUT as ACTIVATED_IDLE_TIMEOUT
from dockershim.server.listener import (
    SocketInUse,
    bind_unix_socket,
    default_socket_path,
    sockets_from_environment,
    take_notify_socket,
)


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="serve the Docker API on a unix socket")
    serve.add_argument("--socket", help="socket path (default $XDG_RUNTIME_DIR/docker.sock)")
    serve.add_argument("--podman", default=None, help="podman binary (default: podman on PATH)")
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        help="exit after this many idle seconds; 0 = never (default: 0 on our own socket, "
        f"{ACTIVATED_IDLE_TIMEOUT:g} when socket-activated)",
    )
    serve.add_argument(
        "--podman-timeout",
        type=float,
        default=120.0,
        help="seconds a bounded podman call may take before it is killed (default 120)",
    )
    serve.add_argument(
        "--podman-concurrency",
        type=int,
        default=None,
        metavar="N",
        help="podman processes (quick queries and changes) at once; more wait in line "
        "(default: twice the CPUs, at least 4; some are always kept for queries)",
    )
    serve.add_argument(
        "--no-podman-service",
        action="store_true",
        help="run every container change as a podman process instead of sending start, stop, "
        "kill and rm to a `podman system service` kept as a child (slower, one process less)",
    )
    serve.add_argument("--allow-root", action="store_true", help="allow running as uid 0")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def _lifecycle_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "activate",
        add_help=False,
        help="own the socket and start the service on demand (hosts without systemd)",
    )
    for name, text in (
        ("install", "install systemd user units, the `dockershim` docker context, DOCKER_HOST"),
        ("uninstall", "remove what `dockershim install` installed"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--socket", help="socket path (default $XDG_RUNTIME_DIR/docker.sock)")
        if name == "install":
            cmd.add_argument(
                "--idle-timeout",
                type=float,
                default=ACTIVATED_IDLE_TIMEOUT,
                help=f"idle seconds before the service exits (default {ACTIVATED_IDLE_TIMEOUT:g})",
            )
            cmd.add_argument(
                "--no-start", action="store_true", help="write files but do not run systemctl"
            )
    doctor = sub.add_parser("doctor", help="check the rootless setup and print exact fixes")
    doctor.add_argument("--socket", help="socket path (default $XDG_RUNTIME_DIR/docker.sock)")
    doctor.add_argument("--podman", default="podman", help="podman binary (default: podman)")
    dial = sub.add_parser(
        "dial-stdio", help="join stdin/stdout to the socket (remote use: docker -H ssh://...)"
    )
    dial.add_argument(
        "-H", "--host", help="unix://PATH (default $DOCKER_HOST, else the default socket)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dockershim", description=__doc__)
    parser.add_argument("--version", action="version", version=f"dockershim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _lifecycle_parsers(sub)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    # The start-up's imports (the service's, then the engine's and the full app's, ~0.3 s of
    # CPU here) run without the cycle collector: its passes over every new module object cost
    # ~10 % of them. api/lazyapp.py turns it on again once the full app is built.
    gc.disable()
    import asyncio
    import logging
    import shutil

    from dockershim.api.lazyapp import LazyApp
    from dockershim.podman import PodmanRunner
    from dockershim.server.service import serve
    from dockershim.statefile import default_state_dir

    if os.geteuid() == 0 and not args.allow_root:
        print(
            "dockershim: refusing to run as root; dockershim serves rootless podman as the calling "
            "user (run it as that user, or pass --allow-root if you really mean it)",
            file=sys.stderr,
        )
        return 1
    logging.basicConfig(level=args.log_level.upper(), format="dockershim: %(message)s")
    for noisy in ("httpx", "httpcore"):  # a line per registry request at INFO, per step at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)
    notify_socket = take_notify_socket()
    sockets = sockets_from_environment()
    activated = bool(sockets)
    if not sockets:
        path = args.socket or default_socket_path()
        try:
            sockets = [bind_unix_socket(path)]
        except (SocketInUse, OSError) as exc:
            print(f"dockershim: cannot listen on {path}: {exc}", file=sys.stderr)
            return 1
        logging.getLogger("dockershim").info("listening on unix://%s", path)
    idle = args.idle_timeout
    if idle is None:
        idle = ACTIVATED_IDLE_TIMEOUT if activated else 0.0
    os.makedirs(default_state_dir(), mode=0o700, exist_ok=True)  # survives idle exits, private
    podman = args.podman or shutil.which("podman") or "podman"
    runner = PodmanRunner(
        podman,
        default_timeout=args.podman_timeout,
        concurrency=args.podman_concurrency,
        service_child=not args.no_podman_service,
    )
    app = LazyApp(runner)  # FastAPI and the routers load on first need, not before /version
    asyncio.run(
        serve(
            app,
            sockets,
            idle_timeout=idle,
            log_level=args.log_level,
            notify_socket=notify_socket,
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and os.path.basename(sys.argv[0]) == "docker":
        from dockershim.dialstdio import docker_main

        return docker_main(sys.argv[1:])
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["activate"]:  # its own parser: the options it passes on to `serve`
        from dockershim.server.activator import main as activate

        return activate(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command in ("install", "uninstall"):
        from dockershim.install import main as install_main

        return install_main(args)
    if args.command == "doctor":
        from dockershim.doctor import main as doctor_main

        return doctor_main(args)
    if args.command == "dial-stdio":
        from dockershim.dialstdio import main as dial_main

        return dial_main(args.host)
    return 2
