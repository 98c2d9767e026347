"""`dockershim install` / `uninstall` on a host without a systemd user manager (this one): valid
unit files (systemd-analyze verify), a docker context the real CLI uses, the activator hint."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.conftest import DOCKER, REPO
from tests.integration.activation import SOCKET_ACTIVATE, wait_for_path


def _env(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "XDG_CONFIG_HOME")}
    env.update(
        HOME=str(tmp_path / "home"),
        DOCKER_CONFIG=str(tmp_path / "home" / ".docker"),
        XDG_RUNTIME_DIR=str(runtime),
        PYTHONPATH=str(REPO),
    )
    return env


def _dockershim(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockershim", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _docker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def _unit_command(service: str) -> tuple[list[str], list[str]]:
    """ExecStart's argv and Environment= lines of a unit (our units use no quoting here)."""
    argv: list[str] = []
    env: list[str] = []
    for line in service.splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart="))
        elif line.startswith("Environment="):
            env.append(line.removeprefix("Environment="))
    return argv, env


def test_install_writes_verified_units_and_a_working_context(tmp_path: Path) -> None:
    env = _env(tmp_path)
    socket_path = f"{env['XDG_RUNTIME_DIR']}/docker.sock"
    installed = _dockershim(env, "install", "--idle-timeout", "2")
    assert installed.returncode == 0, installed.stderr
    assert f"export DOCKER_HOST=unix://{socket_path}" in installed.stdout
    assert "No systemd user manager" in installed.stdout
    assert "-m dockershim activate" in installed.stdout

    units = Path(env["HOME"]) / ".config" / "systemd" / "user"
    socket_unit = (units / "dockershim.socket").read_text()
    service_unit = (units / "dockershim.service").read_text()
    assert "ListenStream=%t/docker.sock" in socket_unit
    assert "SocketMode=0600" in socket_unit
    assert "KillMode=process" in service_unit
    assert "Type=notify" in service_unit
    assert "StartLimitBurst=" in service_unit
    verify = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(units / "dockershim.socket"),
            str(units / "dockershim.service"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")

    # The unit's own command, socket-activated, answers through the installed context.
    argv, unit_env = _unit_command(service_unit)
    passed = [arg for item in unit_env for arg in ("-E", item)]
    for name in ("PATH", "HOME"):
        passed += ["-E", f"{name}={env[name]}"]
    # podman runs with the user's real runtime dir (a temporary one would leave a pause process)
    passed += ["-E", f"XDG_RUNTIME_DIR={os.environ['XDG_RUNTIME_DIR']}"]
    served = subprocess.Popen(
        [SOCKET_ACTIVATE, "-l", socket_path, *passed, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_for_path(socket_path)
        names = _docker(env, "context", "ls", "--format", "{{.Name}} {{.DockerEndpoint}}")
        assert f"dockershim unix://{socket_path}" in names.stdout.splitlines(), names
        version = _docker(env, "--context", "dockershim", "version", "--format", "{{.Server.Os}}")
        assert (version.returncode, version.stdout.strip()) == (0, "linux"), version.stderr
        assert _docker(env, "context", "use", "dockershim").returncode == 0
    finally:
        served.terminate()
        served.wait(30)

    removed = _dockershim(env, "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert not (units / "dockershim.socket").exists()
    assert not (units / "dockershim.service").exists()
    config = json.loads((Path(env["DOCKER_CONFIG"]) / "config.json").read_text())
    assert "currentContext" not in config
    names = _docker(env, "context", "ls", "--format", "{{.Name}}")
    assert names.returncode == 0, names.stderr
    assert names.stdout.split() == ["default"]
