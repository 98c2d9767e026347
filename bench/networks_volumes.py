"""Time network/volume operations through the shim against podman itself (prints numbers).

Run as the test user with a shim listening:
    DOCKER_HOST=unix:///path/docker.sock python bench/networks_volumes.py [iterations]
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid


def timed(argv: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    return time.monotonic() - started


def cycle(tool: str, kind: str) -> dict[str, float]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    prefix = [tool, kind]
    return {
        "create": timed([*prefix, "create", name]),
        "inspect": timed([*prefix, "inspect", name]),
        "ls": timed([*prefix, "ls"]),
        "rm": timed([*prefix, "rm", name]),
    }


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for kind in ("network", "volume"):
        for tool in ("docker", "podman"):
            totals: dict[str, float] = {}
            for _ in range(rounds):
                for op, seconds in cycle(tool, kind).items():
                    totals[op] = totals.get(op, 0.0) + seconds
            line = "  ".join(f"{op} {1000 * t / rounds:6.1f} ms" for op, t in totals.items())
            print(f"{kind:8} {tool:7} {line}")


if __name__ == "__main__":
    main()
