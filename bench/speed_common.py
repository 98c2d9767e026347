"""Targets and helpers shared by bench/speed.py and its scenario modules (not a test)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCKER = shutil.which("docker", path="/usr/local/bin:/usr/bin") or "docker"
PODMAN = shutil.which("podman") or "podman"
COMPOSE = shutil.which("docker-compose-v2", path="/usr/local/bin:/usr/bin") or "docker-compose"
PREFIX = "dsbench"  # every container, network, image and compose project it creates
LABEL = "dockershim.bench=1"
IMAGE = "busybox"
TIMEOUT = 600.0

SHIM, SERVICE, CLI = "dockershim", "podman-svc", "podman-cli"


class Failed(RuntimeError):
    """One measurement failed (non-zero exit, wrong output)."""


@dataclass
class Target:
    """Where a scenario runs: a Docker API socket (docker CLI, docker-py) or the podman CLI."""

    name: str
    sock: str | None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    repo: Path = REPO  # the dockershim checkout a dockershim target runs

    @property
    def is_api(self) -> bool:
        return self.sock is not None

    @property
    def short(self) -> str:
        return {SHIM: "shim", SERVICE: "svc", CLI: "cli"}.get(self.name, self.name)

    def cli(self, *args: str) -> list[str]:
        """`docker ARGS` against the socket, or `podman ARGS`: the same syntax for what we run."""
        return [DOCKER if self.is_api else PODMAN, *args]

    def client(self):  # type: ignore[no-untyped-def]
        import docker  # docker-py, only for the API targets

        return docker.DockerClient(base_url=f"unix://{self.sock}", version="1.41", timeout=300)

    def start(self, argv: list[str]) -> float:
        """Start the service; return seconds until it answers /_ping."""
        assert self.sock is not None
        started = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            env={**os.environ, "PYTHONPATH": str(self.repo)},
            cwd=str(self.repo),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only; we stop it in order
        )
        while not ping(self.sock):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            if time.monotonic() - started > 60:
                raise TimeoutError(self.name)
            time.sleep(0.01)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ping(sock: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(5)
    try:
        probe.connect(sock)
        probe.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        return probe.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        probe.close()


def run(t: Target, *args: str, expect: bytes | None = None, size: int | None = None) -> bytes:
    """Run the target's CLI to completion; raise Failed on an error or an unexpected output."""
    argv = t.cli(*args)
    result = subprocess.run(
        argv, env=t.env, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT
    )
    if result.returncode != 0:
        err = result.stderr.decode(errors="replace").strip().splitlines()
        raise Failed(f"{' '.join(args[:2])}: exit {result.returncode}: {err[-1:] or ''}")
    if expect is not None and result.stdout != expect:
        raise Failed(f"{' '.join(args[:2])}: output {result.stdout[:60]!r}, wanted {expect!r}")
    if size is not None and len(result.stdout) != size:
        raise Failed(f"{' '.join(args[:2])}: {len(result.stdout)} bytes, wanted {size}")
    return result.stdout


def timed(t: Target, *args: str, **kw: object) -> float:
    started = time.perf_counter()
    run(t, *args, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - started


def podman(*args: str, check: bool = False) -> str:
    """The podman CLI directly, for set-up and clean-up (not measured)."""
    result = subprocess.run(
        [PODMAN, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT
    )
    if check and result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace"))
        raise RuntimeError(f"podman {' '.join(args)} failed")
    return result.stdout.decode(errors="replace")


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pids += [int(c) for c in kids]
    return total


def cleanup() -> None:
    """Remove everything the benchmark created in the user's podman storage."""
    ids = podman("ps", "-aq", "--filter", f"label={LABEL}").split()
    ids += podman("ps", "-aq", "--filter", f"name={PREFIX}").split()
    if ids:
        podman("rm", "-f", "-t0", *sorted(set(ids)))
    nets = [n for n in podman("network", "ls", "--format", "{{.Name}}").split() if PREFIX in n]
    if nets:
        podman("network", "rm", "-f", *nets)
    images = podman("images", "-q", "--filter", f"label={LABEL}").split()
    if images:
        podman("rmi", "-f", *sorted(set(images)))
