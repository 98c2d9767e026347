"""What the storage driver costs: `docker build` and `docker run --rm` of a ~200 MB image through
dockershim, on whatever driver the user's rootless podman uses (run it once per driver, as two
users: bootstrap puts the test user on overlay; a second user on vfs gives the other side).

    scripts/bench.sh storage.py --mb 200 --rounds 3        (as root: runs as the test user)

The image is built from local content only: busybox plus one layer holding a file of random
bytes (random so that nothing compresses or dedups it away). Each round builds without cache,
then times `docker run --rm IMAGE true` a few times; the image is removed at the end. A
benchmark, not a test: numbers vary with the machine, its disk and its load.
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
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import DOCKER, docker_env, start_shim


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="docker run --rm per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        work = Path(tmp)
        context = work / "context"
        context.mkdir()
        with open(context / "blob", "wb") as f:
            for _ in range(args.mb):
                f.write(os.urandom(1 << 20))
        (context / "Dockerfile").write_text("FROM busybox\nCOPY blob /blob\nRUN true\n")
        proc, sock = start_shim(work)
        env = {**docker_env(sock, work), "DOCKER_BUILDKIT": "0"}
        tag = f"dockershim-bench-storage-{uuid.uuid4().hex[:8]}"
        try:
            info = json.loads(
                subprocess.run(
                    [DOCKER, "info", "--format", "{{json .}}"],
                    env=env, capture_output=True, text=True, check=True,
                ).stdout
            )  # fmt: skip
            builds, runs = [], []
            for _ in range(args.rounds):
                build = [DOCKER, "build", "--no-cache", "-q", "-t", tag, str(context)]
                builds.append(timed(build, env))
                for _ in range(args.runs):
                    runs.append(timed([DOCKER, "run", "--rm", tag, "true"], env))
            driver = info.get("Driver")
            print(f"driver {driver}, image busybox + {args.mb} MB layer, {args.rounds} rounds")
            print(f"docker build --no-cache  median {statistics.median(builds):7.2f} s  {builds}")
            print(f"docker run --rm          median {statistics.median(runs):7.2f} s")
        finally:
            subprocess.run([DOCKER, "rmi", "-f", tag], env=env, capture_output=True)
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
