#!/usr/bin/env python3
"""Benchmark: the same docker CLI scenarios against dockershim and against podman's own
Docker-compatible service (`podman system service`), interleaved, printing medians and the
ratio shim/podman per scenario, plus start-up time to the first answer and resident memory.

Run as the unprivileged user with rootless podman working (e.g. via scripts/bench.sh as root):
    python bench/compare.py [--rounds 15]
Not a test: it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCKER = shutil.which("docker") or "/usr/local/bin/docker"
CONTAINER = "dockershim-bench-ct"


def wait_socket(path: str, timeout: float = 30.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            return time.monotonic() - start
        except OSError:
            time.sleep(0.005)
        finally:
            probe.close()
    raise TimeoutError(path)


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pids += [int(c) for c in children]
    return total


class Service:
    def __init__(self, name: str, argv: Callable[[str], list[str]], workdir: Path) -> None:
        self.name = name
        self.socket = str(workdir / f"{name}.sock")
        self.argv = argv(self.socket)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and return seconds until `docker version` first answers."""
        started = time.monotonic()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wait_socket(self.socket)
        while subprocess.run(self.docker("version"), capture_output=True).returncode != 0:
            if time.monotonic() - started > 30:
                raise TimeoutError(self.name)
            time.sleep(0.01)
        return time.monotonic() - started

    def docker(self, *args: str) -> list[str]:
        return [DOCKER, "-H", f"unix://{self.socket}", *args]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


SCENARIOS: dict[str, list[str]] = {
    "version": ["version"],
    "info": ["info"],
    "ps": ["ps", "-a"],
    "inspect": ["inspect", CONTAINER],
    "images": ["images"],
}


def time_command(argv: list[str]) -> float | None:
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True)
    elapsed = time.monotonic() - start
    return elapsed if result.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-bench-"))
    podman = shutil.which("podman") or "podman"
    subprocess.run([podman, "rm", "-f", "-t0", CONTAINER], capture_output=True)
    subprocess.run([podman, "create", "--name", CONTAINER, "busybox", "true"], capture_output=True, check=True)
    services = [
        Service("dockershim", lambda s: [sys.executable, "-m", "dockershim", "serve", "--socket", s,
                                          "--log-level", "warning", "--idle-timeout", "0"], workdir),
        Service("podman", lambda s: [podman, "system", "service", "--time=0", f"unix://{s}"], workdir),
    ]
    try:
        startup = {svc.name: svc.start() for svc in services}
        samples: dict[tuple[str, str], list[float]] = {}
        failures: dict[tuple[str, str], int] = {}
        for svc in services:  # warm both once
            for scenario in SCENARIOS.values():
                subprocess.run(svc.docker(*scenario), capture_output=True)
        for _ in range(args.rounds):
            for name, scenario in SCENARIOS.items():
                for svc in services:  # interleaved: the same machine noise hits both
                    took = time_command(svc.docker(*scenario))
                    key = (name, svc.name)
                    if took is None:
                        failures[key] = failures.get(key, 0) + 1
                    else:
                        samples.setdefault(key, []).append(took)
        memory = {svc.name: rss_kib(svc.proc.pid) for svc in services if svc.proc}
    finally:
        for svc in services:
            svc.stop()
        subprocess.run([podman, "rm", "-f", "-t0", CONTAINER], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"docker CLI scenarios, {args.rounds} interleaved rounds, median seconds")
    print(f"{'scenario':<10} {'dockershim':>11} {'podman':>9} {'shim/podman':>12}")
    for name in SCENARIOS:
        shim = samples.get((name, "dockershim"))
        pod = samples.get((name, "podman"))
        s = f"{statistics.median(shim):.3f}" if shim else "failed"
        p = f"{statistics.median(pod):.3f}" if pod else "failed"
        ratio = f"{statistics.median(shim) / statistics.median(pod):.2f}" if shim and pod else "-"
        print(f"{name:<10} {s:>11} {p:>9} {ratio:>12}")
    print(f"start-up to first `docker version` answer: dockershim {startup['dockershim']:.3f}s, "
          f"podman {startup['podman']:.3f}s")
    print(f"resident memory after the run: dockershim {memory.get('dockershim', 0) / 1024:.1f} MiB, "
          f"podman {memory.get('podman', 0) / 1024:.1f} MiB")
    if failures:
        print("failed runs:", ", ".join(f"{k[0]}@{k[1]}: {v}" for k, v in failures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
