"""Time the extras through the docker CLI against a running dockershim, next to the podman
calls underneath, and print the numbers (no assertions: speed is reported, not tested).

    DOCKER_HOST=unix:///path/docker.sock python bench/extras.py [rounds]

Run it as the user whose podman storage the shim serves. Uses busybox (must be present);
creates and removes one `dockershim-bench-extras` container.
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
NAME = "dockershim-bench-extras"


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode(errors='replace')}")
    return time.perf_counter() - started


def report(label: str, run: Callable[[], float], rounds: int) -> None:
    samples = [run() for _ in range(rounds)]
    print(
        f"{label:<48} median {statistics.median(samples) * 1000:8.1f} ms   "
        f"min {min(samples) * 1000:8.1f} ms   (n={rounds})"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.run(["podman", "rm", "-f", "-t", "0", NAME], capture_output=True)
    subprocess.run(
        [DOCKER, "run", "-d", "--name", NAME, "busybox", "sleep", "600"],
        check=True,
        capture_output=True,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            for i in range(200):
                os.makedirs(os.path.join(tree, f"d{i % 10}"), exist_ok=True)
                with open(os.path.join(tree, f"d{i % 10}", f"f{i}"), "wb") as handle:
                    handle.write(os.urandom(50_000))
            now = str(int(time.time()) + 1)
            report(
                "docker stats --no-stream (2 readings, 1 s apart)",
                lambda: timed([DOCKER, "stats", "--no-stream", NAME]),
                rounds,
            )
            report(
                "docker events --since 10m --until now",
                lambda: timed([DOCKER, "events", "--since", "10m", "--until", now]),
                rounds,
            )
            report(
                "podman events --stream=false --since 10m",
                lambda: timed(["podman", "events", "--stream=false", "--since", "10m"]),
                rounds,
            )
            report(
                "docker cp tree (10 MB, 200 files) in",
                lambda: timed([DOCKER, "cp", tree, f"{NAME}:/tmp"]),
                rounds,
            )
            report(
                "podman cp tree in", lambda: timed(["podman", "cp", tree, f"{NAME}:/tmp"]), rounds
            )
            out = os.path.join(tmp, "out")
            report(
                "docker cp tree out",
                lambda: timed([DOCKER, "cp", f"{NAME}:/tmp/tree", out]),
                rounds,
            )
            report(
                "podman cp tree out",
                lambda: timed(["podman", "cp", f"{NAME}:/tmp/tree", out]),
                rounds,
            )
            report("docker diff", lambda: timed([DOCKER, "diff", NAME]), rounds)
            report("podman diff", lambda: timed(["podman", "diff", NAME]), rounds)
            report("docker system df", lambda: timed([DOCKER, "system", "df"]), rounds)
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", NAME], capture_output=True)


if __name__ == "__main__":
    main()
