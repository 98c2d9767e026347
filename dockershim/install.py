"""`dockershim install` / `uninstall`: user-level setup, no root.

install writes
- systemd user units `dockershim.socket` (the socket, 0600, in $XDG_RUNTIME_DIR) and
  `dockershim.service` (`dockershim serve` socket-activated, Type=notify, KillMode=process so
  conmon and the containers it watches never go down with the service, start limits that stop a
  crash loop but never an idle-exit rhythm), enabled and started when a systemd user manager
  runs; where none runs it says how to start `dockershim activate` instead;
- a docker CLI context named `dockershim` (written the way `docker context create` does, in
  $DOCKER_CONFIG or ~/.docker);
- and prints the DOCKER_HOST line.
uninstall removes all of it (and `currentContext` when it pointed at dockershim).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import shutil
import site
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dockershim.server.activator import DEFAULT_IDLE_TIMEOUT, package_parent
from dockershim.server.listener import default_socket_path

CONTEXT = "dockershim"
SOCKET_UNIT = "dockershim.socket"
SERVICE_UNIT = "dockershim.service"


@dataclass
class Paths:
    unit_dir: Path
    docker_config: Path
    socket: str
    runtime_dir: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], socket: str | None = None) -> Paths:
        home = Path(env.get("HOME") or os.path.expanduser("~"))
        config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        docker_config = Path(env.get("DOCKER_CONFIG") or home / ".docker")
        runtime_dir = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
        path = socket or default_socket_path({"XDG_RUNTIME_DIR": runtime_dir})
        return cls(config_home / "systemd" / "user", docker_config, path, runtime_dir)

    @property
    def context_dir(self) -> Path:
        digest = hashlib.sha256(CONTEXT.encode()).hexdigest()
        return self.docker_config / "contexts" / "meta" / digest


def systemd_quote(arg: str) -> str:
    """One ExecStart/Environment word: specifiers and variables escaped, quoted if needed."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c in arg for c in " \t\n\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_socket_path(paths: Paths) -> str:
    if os.path.dirname(paths.socket) == paths.runtime_dir.rstrip("/"):
        return "%t/" + os.path.basename(paths.socket).replace("%", "%%")
    return paths.socket.replace("%", "%%")


def unit_environment() -> dict[str, str]:
    """PYTHONPATH when this package is not where the interpreter finds it by itself."""
    parent = package_parent()
    if parent in {os.path.abspath(p) for p in site.getsitepackages()}:
        return {}
    return {"PYTHONPATH": parent}


def render_socket_unit(paths: Paths) -> str:
    return f"""[Unit]
Description=dockershim: Docker API socket for rootless podman
Documentation=man:podman(1)

[Socket]
ListenStream={unit_socket_path(paths)}
SocketMode=0600
DirectoryMode=0700
RemoveOnStop=yes

[Install]
WantedBy=sockets.target
"""


def render_service_unit(idle_timeout: float, podman: str) -> str:
    argv = [sys.executable, "-m", "dockershim", "serve", "--idle-timeout", f"{idle_timeout:g}"]
    argv += ["--podman", podman]
    env_lines = "".join(
        f"Environment={systemd_quote(f'{k}={v}')}\n" for k, v in unit_environment().items()
    )
    # An idle exit is a normal exit; allow at least two starts per idle period within a minute.
    burst = max(20, int(120 / max(idle_timeout, 1.0)))
    return f"""[Unit]
Description=dockershim: Docker API over rootless podman (socket-activated, exits when idle)
Documentation=man:podman(1)
Requires={SOCKET_UNIT}
After={SOCKET_UNIT}
StartLimitIntervalSec=60
StartLimitBurst={burst}

[Service]
Type=notify
ExecStart={" ".join(systemd_quote(a) for a in argv)}
{env_lines}KillMode=process
TimeoutStopSec=30

[Install]
Also={SOCKET_UNIT}
"""


def write_context(paths: Paths) -> Path:
    meta = {
        "Name": CONTEXT,
        "Metadata": {"Description": "dockershim: rootless podman behind the Docker API"},
        "Endpoints": {"docker": {"Host": f"unix://{paths.socket}", "SkipTLSVerify": False}},
    }
    paths.context_dir.mkdir(parents=True, exist_ok=True)
    target = paths.context_dir / "meta.json"
    target.write_text(json.dumps(meta))
    return target


def remove_context(paths: Paths) -> bool:
    existed = paths.context_dir.exists()
    shutil.rmtree(paths.context_dir, ignore_errors=True)
    config = paths.docker_config / "config.json"
    try:
        data = json.loads(config.read_text())
    except (OSError, ValueError):
        return existed
    if isinstance(data, dict) and data.get("currentContext") == CONTEXT:
        del data["currentContext"]
        config.write_text(json.dumps(data, indent="\t"))
    return existed


def user_systemd_available(env: Mapping[str, str]) -> bool:
    """True when `systemctl --user` reaches a running user manager."""
    if not shutil.which("systemctl") or not os.path.isdir("/run/systemd/system"):
        return False
    result = subprocess.run(
        ["systemctl", "--user", "show-environment"],
        capture_output=True,
        env=dict(env),
        check=False,
    )
    return result.returncode == 0


def systemctl(env: Mapping[str, str], *args: str) -> tuple[bool, str]:
    result = subprocess.run(
        ["systemctl", "--user", *args], capture_output=True, text=True, env=dict(env), check=False
    )
    return result.returncode == 0, (result.stderr or result.stdout).strip()


def install(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    paths = Paths.from_env(env, args.socket)
    podman = shutil.which("podman", path=env.get("PATH")) or "/usr/bin/podman"
    paths.unit_dir.mkdir(parents=True, exist_ok=True)
    (paths.unit_dir / SOCKET_UNIT).write_text(render_socket_unit(paths))
    (paths.unit_dir / SERVICE_UNIT).write_text(render_service_unit(args.idle_timeout, podman))
    print(f"wrote {paths.unit_dir / SOCKET_UNIT} and {SERVICE_UNIT}")
    print(f"wrote docker context {CONTEXT!r} ({write_context(paths)})")
    if args.no_start:
        print("not starting anything (--no-start)")
    elif user_systemd_available(env):
        for step in (("daemon-reload",), ("enable", "--now", SOCKET_UNIT)):
            ok, output = systemctl(env, *step)
            if not ok:
                print(f"systemctl --user {' '.join(step)} failed: {output}", file=sys.stderr)
                return 1
        print(f"enabled and started {SOCKET_UNIT}: the service starts on the first connection")
    else:
        print_activator_hint(paths, args.idle_timeout)
    print()
    print("Use it from the docker CLI with either of:")
    print(f"  docker context use {CONTEXT}")
    print(f"  export DOCKER_HOST=unix://{paths.socket}")
    print("From another machine over ssh (docs/remote.md):")
    print(f"  docker -H ssh://{getpass.getuser()}@THIS-HOST{paths.socket} ps")
    return 0


def print_activator_hint(paths: Paths, idle_timeout: float) -> None:
    command = [sys.executable, "-m", "dockershim", "activate", "--socket", paths.socket]
    if idle_timeout != DEFAULT_IDLE_TIMEOUT:
        command += ["--idle-timeout", f"{idle_timeout:g}"]
    env = "".join(f"{k}={v} " for k, v in unit_environment().items())
    print("No systemd user manager runs here, so the units are written but not started.")
    print("Use the activator instead (it holds the socket with a few MB and starts the service")
    print("on demand); start it now and from your login script (~/.profile):")
    print(f"  {env}nohup {' '.join(command)} >/dev/null 2>&1 &")


def uninstall(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    paths = Paths.from_env(env, args.socket)
    if user_systemd_available(env):
        systemctl(env, "disable", "--now", SOCKET_UNIT, SERVICE_UNIT)
    for unit in (SOCKET_UNIT, SERVICE_UNIT):
        target = paths.unit_dir / unit
        if target.exists():
            target.unlink()
            print(f"removed {target}")
    if user_systemd_available(env):
        systemctl(env, "daemon-reload")
    if remove_context(paths):
        print(f"removed docker context {CONTEXT!r}")
    print("containers keep running under podman; a running `dockershim activate` is not stopped")
    return 0


def main(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    return install(args, env) if args.command == "install" else uninstall(args, env)
