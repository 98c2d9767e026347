#!/usr/bin/env python3
"""Benchmark (not a test): the first `docker run --rm` after a socket activation.

bench/activation.py times the first `docker version`, which the service answers before its
full API is loaded. A script's or a test suite's first command after the service exited idle
is more often a `docker run`: the service loads its full API, starts podman's service child,
creates and starts the container, and podman's rootless network namespace (podman 4) is set
up for it. This times `docker run --rm busybox true` against a socket where no service runs,
round by round, interleaved:
- dockershim behind its activator (`dockershim activate --idle-timeout 1`), from this checkout
  and from each `--variant NAME@CHECKOUT` (another checkout, e.g. a worktree of older code);
- `podman system service --time=5` behind `systemd-socket-activate` (a new one each round).
Before each run nothing of the user's runs on a bridge network (the namespace is down), as
after an idle exit.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh first_run.py [--rounds 7] [--variant before@/tmp/worktree]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from activation import DOCKER, REPO, children, wait_path

IMAGE = "busybox"


def bridge_containers() -> int:
    """Running containers on a bridge network (the namespace stays up while there are any)."""
    listed = json.loads(
        subprocess.run(
            ["podman", "ps", "--format", "json"], capture_output=True, text=True, check=True
        ).stdout
        or "[]"
    )
    return sum(1 for c in listed if c.get("Networks"))


def first_run(sock: str, config: str) -> float:
    env = {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_CONFIG": config}
    started = time.perf_counter()
    subprocess.run(
        [DOCKER, "run", "--rm", IMAGE, "true"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    return time.perf_counter() - started


class Activator:
    """`dockershim activate` from one checkout, idle exit after 1 s."""

    def __init__(self, name: str, checkout: Path, work: str) -> None:
        self.name = name
        self.sock = f"{work}/{name}.sock"
        argv = [sys.executable, "-m", "dockershim", "activate", "--socket", self.sock]
        self.proc = subprocess.Popen(
            [*argv, "--idle-timeout", "1", "--log-level", "error"],
            env={**os.environ, "PYTHONPATH": str(checkout)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_path(self.sock)

    def cold_run(self, config: str) -> float:
        while children(self.proc.pid):  # the service still runs: wait for its idle exit
            time.sleep(0.05)
        settle()  # its exit removed its namespace hold; podman's clean-ups may still run
        return first_run(self.sock, config)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def podman_cold_run(work: str, config: str, round_: int) -> float:
    sock = f"{work}/podman-{round_}.sock"
    names = [n for n in ("PATH", "HOME", "XDG_RUNTIME_DIR", "USER") if n in os.environ]
    passthrough = [a for n in names for a in ("-E", f"{n}={os.environ[n]}")]
    service = ["podman", "system", "service", "--time=5"]
    proc = subprocess.Popen(
        ["systemd-socket-activate", "-l", sock, *passthrough, *service],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_path(sock)
        time.sleep(0.3)
        return first_run(sock, config)
    finally:
        proc.terminate()
        proc.wait()


def settle() -> None:
    """Wait until no container of the user's runs on a bridge network."""
    deadline = time.monotonic() + 30
    while bridge_containers() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--variant", action="append", default=[], help="NAME@CHECKOUT")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as config:
        activators = [Activator("dockershim", REPO, work)]
        for text in args.variant:
            name, _, checkout = text.partition("@")
            activators.append(Activator(name, Path(checkout or REPO).resolve(), work))
        samples: dict[str, list[float]] = {a.name: [] for a in activators}
        samples["podman-svc"] = []
        try:
            for a in activators:  # an untimed first round: images and caches warm
                a.cold_run(config)
            for round_ in range(args.rounds):
                order = activators if round_ % 2 else list(reversed(activators))
                for a in order:
                    samples[a.name].append(a.cold_run(config))
                settle()
                samples["podman-svc"].append(podman_cold_run(work, config, round_))
        finally:
            for a in activators:
                a.stop()
    podman_median = statistics.median(samples["podman-svc"])
    print(f"first `docker run --rm {IMAGE} true` after an activation, {args.rounds} rounds, ms")
    for name, values in samples.items():
        median = statistics.median(values)
        print(
            f"  {name:12} median {median * 1000:6.0f}   /podman-svc {median / podman_median:5.2f}"
            "   samples " + ", ".join(f"{v * 1000:.0f}" for v in sorted(values))
        )


if __name__ == "__main__":
    main()
