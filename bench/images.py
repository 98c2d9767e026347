"""Time image operations through the docker CLI against a running dockershim, and the podman
calls underneath, and print the numbers (no assertions: speed is reported, not tested).

    DOCKER_HOST=unix:///path/docker.sock python bench/images.py [rounds]

Run it as the user whose podman storage the shim serves. Uses busybox (must be present) and
creates/removes only `dockershim-bench-*` images.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

DOCKER = os.environ.get("DOCKER", "/usr/local/bin/docker")


def timed(argv: list[str], **kwargs: object) -> float:
    if argv[0] == "podman":  # podman reads DOCKER_CONFIG for credentials: keep it out
        kwargs.setdefault("env", {k: v for k, v in os.environ.items() if k != "DOCKER_CONFIG"})
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode(errors='replace')}")
    return time.perf_counter() - started


def report(label: str, run: Callable[[], float], rounds: int) -> None:
    samples = [run() for _ in range(rounds)]
    print(
        f"{label:<44} median {statistics.median(samples) * 1000:8.1f} ms   "
        f"min {min(samples) * 1000:8.1f} ms   (n={rounds})"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = {**os.environ, "DOCKER_BUILDKIT": "0", "DOCKER_CLI_HINTS": "false"}
    with tempfile.TemporaryDirectory() as ctx:
        with open(os.path.join(ctx, "Dockerfile"), "w") as handle:
            handle.write("FROM busybox\nLABEL bench=1\n")
        report(
            "podman images --format json",
            lambda: timed(["podman", "images", "--format", "json"]),
            rounds,
        )
        report("docker images", lambda: timed([DOCKER, "images"], env=env), rounds)
        report(
            "docker image inspect busybox",
            lambda: timed([DOCKER, "image", "inspect", "busybox"], env=env),
            rounds,
        )
        report(
            "podman pull (up to date)",
            lambda: timed(["podman", "pull", "-q", "docker.io/library/busybox:latest"]),
            rounds,
        )
        report(
            "docker pull busybox (up to date)",
            lambda: timed([DOCKER, "pull", "-q", "busybox"], env=env),
            rounds,
        )
        report(
            "podman build (cached)",
            lambda: timed(
                ["podman", "build", "-q", "--format", "docker", "-t", "dockershim-bench-p", ctx]
            ),
            rounds,
        )
        report(
            "docker build (cached, classic)",
            lambda: timed([DOCKER, "build", "-q", "-t", "dockershim-bench-d", ctx], env=env),
            rounds,
        )
        report(
            "docker tag + rmi",
            lambda: (
                timed([DOCKER, "tag", "busybox", "dockershim-bench-t"], env=env)
                + timed([DOCKER, "rmi", "dockershim-bench-t"], env=env)
            ),
            rounds,
        )
        for name in ("dockershim-bench-p", "docker.io/library/dockershim-bench-d"):
            subprocess.run(["podman", "rmi", "-f", name], capture_output=True, check=False)


if __name__ == "__main__":
    main()
