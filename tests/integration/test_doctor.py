"""`dockershim doctor` on this (bootstrapped) host, and on broken setups whose printed fix is
applied verbatim and must make the problem go away."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, DockerRun, Shim


def _doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockershim", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def _problem_fixes(output: str) -> list[str]:
    lines = output.splitlines()
    return [
        lines[i + 1].split("fix:", 1)[1].strip()
        for i, line in enumerate(lines)
        if line.startswith("PROBLEM") and i + 1 < len(lines) and "fix:" in lines[i + 1]
    ]


def test_bootstrapped_host_is_healthy(tmp_path: Path) -> None:
    result = _doctor("--socket", str(tmp_path / "docker.sock"))
    assert result.returncode == 0, result.stdout
    assert "ok       podman 4." in result.stdout
    assert "OCI runtime runc" in result.stdout
    assert "no problems found" in result.stdout


def test_crun_on_hybrid_cgroups_and_open_socket_are_fixed_by_the_printed_commands(
    tmp_path: Path,
) -> None:
    conf = tmp_path / "containers.conf"
    conf.write_text('[engine]\nruntime = "crun"\n')
    path = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.close()  # a stale socket, but one that everybody may open
    os.chmod(path, 0o666)
    env = {"CONTAINERS_CONF": str(conf)}

    broken = _doctor("--socket", str(path), env=env)
    assert broken.returncode == 1, broken.stdout
    assert "PROBLEM  OCI runtime crun on a cgroup v1" in broken.stdout
    # the two set up here (the host may have others, e.g. netavark's DNS leftovers)
    fixes = [f for f in _problem_fixes(broken.stdout) if str(conf) in f or str(path) in f]
    assert f"chmod 0600 {path}" in fixes
    assert len(fixes) == 2, broken.stdout
    for fix in fixes:
        subprocess.run(["sh", "-c", fix], check=True, timeout=30)

    fixed = _doctor("--socket", str(path), env=env)
    assert fixed.returncode == 0, fixed.stdout
    assert "OCI runtime runc" in fixed.stdout
    assert f"{path}: socket, yours, mode 0600" in fixed.stdout
    assert "runc" in conf.read_text()


def test_socket_answered_by_dockershim(shim: Shim) -> None:
    result = _doctor("--socket", shim.socket)
    assert f"ok       {shim.socket}: answered by dockershim " in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout


def test_storage_is_overlay_after_bootstrap(docker: DockerRun) -> None:
    result = _doctor("--socket", "/nonexistent/docker.sock")
    assert "ok       storage driver overlay (native)" in result.stdout, result.stdout
    assert json.loads(docker("info", "--format", "{{json .Driver}}").stdout) == "overlay"


def test_vfs_store_gets_the_switch_with_its_cost(tmp_path: Path) -> None:
    """A user setup of its own on vfs (its own config home, graph root and run root; podman only
    reads it): the doctor probes this kernel, finds native overlay and prints the reset plus
    the storage.conf it would write."""
    conf = tmp_path / "config" / "containers" / "storage.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        f'[storage]\ndriver = "vfs"\ngraphroot = "{tmp_path}/g"\nrunroot = "{tmp_path}/r"\n'
    )
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    result = _doctor("--socket", "/nonexistent/docker.sock", env=env)
    lines = result.stdout.splitlines()
    i = next((i for i, line in enumerate(lines) if "storage driver vfs" in line), -1)
    assert i >= 0, result.stdout + result.stderr
    assert lines[i].startswith("note") and "overlay works on this host (natively)" in lines[i]
    assert "images must be pulled or built again" in lines[i]
    fix = lines[i + 1].split("fix:", 1)[1].strip()
    assert fix.startswith("podman system reset --force && ")
    assert fix.endswith(f"> {conf}") and 'driver = "overlay"' in fix
