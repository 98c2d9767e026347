"""Benchmark (not a test): container operations through dockershim vs podman directly.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh containers.py [--rounds 9]

For each operation prints the median wall time of ROUNDS runs of the docker CLI against a private
dockershim and of the equivalent podman command: run -d, inspect, ps -a, logs, stop, rm.
Numbers on a shared 2-core machine are noisy: compare ratios, not absolutes.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCKER = "/usr/local/bin/docker"
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
SLEEP = ["busybox", "sleep", "60"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-containers-"))
    sock = str(work / "d.sock")
    shim = subprocess.Popen(
        [sys.executable, "-m", "dockershim", "serve", "--socket", sock, "--idle-timeout", "0"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not os.path.exists(sock):
            time.sleep(0.05)
        denv = {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_CONFIG": str(work)}
        penv = dict(os.environ)
        results: dict[str, tuple[list[float], list[float]]] = {}
        baseline = [timed([DOCKER, "version"], denv) for _ in range(ROUNDS)]
        for i in range(ROUNDS):
            d, p = f"bench-d-{i}", f"bench-p-{i}"
            ops = [
                ("run -d", [DOCKER, "run", "-d", "--name", d, "busybox", "sleep", "60"],
                 ["podman", "run", "-d", "--network", "podman", "--name", p, *SLEEP]),
                ("inspect", [DOCKER, "inspect", d], ["podman", "inspect", p]),
                ("ps -a", [DOCKER, "ps", "-a"], ["podman", "ps", "-a"]),
                ("logs", [DOCKER, "logs", d], ["podman", "logs", p]),
                ("stop -t 0", [DOCKER, "stop", "-t", "0", d], ["podman", "stop", "-t", "0", p]),
                ("rm", [DOCKER, "rm", d], ["podman", "rm", p]),
            ]  # fmt: skip
            for label, dargv, pargv in ops:
                ds, ps = results.setdefault(label, ([], []))
                ds.append(timed(dargv, denv))
                ps.append(timed(pargv, penv))
        head = f"{'operation':<12}{'dockershim ms':>15}{'podman ms':>12}{'ratio':>8}"
        print(f"{head}  ({ROUNDS} rounds)")
        for label, (ds, ps) in results.items():
            dm, pm = statistics.median(ds) * 1000, statistics.median(ps) * 1000
            print(f"{label:<12}{dm:>15.0f}{pm:>12.0f}{dm / pm:>8.2f}")
        base_ms = statistics.median(baseline) * 1000
        print(f"(docker CLI + ping + cached /version alone: {base_ms:.0f} ms)")
    finally:
        shim.terminate()
        shim.wait(15)


if __name__ == "__main__":
    main()
