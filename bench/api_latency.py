#!/usr/bin/env python3
"""Benchmark (not a test): the read endpoints' own latency, without the docker CLI's start-up.

`bench/speed.py` times whole `docker ...` commands; the docker CLI itself (a Go binary that
also negotiates the API version) costs ~20-30 ms here, so a read that takes the server 3 ms
and one that takes it 15 ms both look like 30 ms. This one sends the same requests over one
kept-alive HTTP connection per target, interleaved round by round, and prints medians and
the ratio dockershim / podman's service. Targets: `python -m dockershim serve` from this
checkout and `podman system service --time=0`, as the same user on the same storage, with
`--containers N` busybox containers running (default 20). A third target, "floor"
(bench/floor_server.py: a bare asyncio server answering `200 {}` to everything), is timed
with the same client in the same rounds: its median is what any request costs here before a
server does any work, so `shim-floor` is what dockershim's own code adds.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh api_latency.py [--rounds 200] [--containers 20]
Everything it creates (names `dsbench-lat-*`) is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_common import PODMAN, SERVICE, SHIM, Target

FLOOR = "floor"

PREFIX = "dsbench-lat"
IMAGE = "busybox"


def podman(*args: str) -> str:
    return subprocess.run(
        [PODMAN, *args], check=True, capture_output=True, text=True, timeout=300
    ).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--containers", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dsbench-lat-"))
    shim = Target(SHIM, str(work / "shim.sock"))
    svc = Target(SERVICE, str(work / "svc.sock"))
    floor = Target(FLOOR, str(work / "floor.sock"))
    names = [f"{PREFIX}-{i}" for i in range(args.containers)]
    try:
        for name in names:
            podman("run", "-d", "--name", name, IMAGE, "sleep", "3600")
        shim.start([sys.executable, "-m", "dockershim", "serve", "--socket", str(shim.sock),
                    "--idle-timeout", "0", "--log-level", "warning"])  # fmt: skip
        svc.start([PODMAN, "system", "service", "--time=0", f"unix://{svc.sock}"])
        floor.start(
            [sys.executable, str(Path(__file__).with_name("floor_server.py")), str(floor.sock)]
        )
        targets = (shim, svc, floor)
        clients = {
            t.name: httpx.Client(transport=httpx.HTTPTransport(uds=t.sock), base_url="http://d")
            for t in targets
        }
        execs = {FLOOR: "none"}
        for name, client in list(clients.items())[:2]:
            made = client.post(f"/v1.41/containers/{names[0]}/exec", json={"Cmd": ["true"]})
            execs[name] = made.json()["Id"]
            client.post(f"/v1.41/exec/{execs[name]}/start", json={"Detach": True})
        requests = {
            "ps (running)": lambda n: "/v1.41/containers/json",
            "ps -a": lambda n: "/v1.41/containers/json?all=1",
            "inspect": lambda n: f"/v1.41/containers/{names[0]}/json",
            "images": lambda n: "/v1.41/images/json",
            "image inspect": lambda n: f"/v1.41/images/{IMAGE}/json",
            "networks": lambda n: "/v1.41/networks",
            "volumes": lambda n: "/v1.41/volumes",
            "info": lambda n: "/v1.41/info",
            "version": lambda n: "/v1.41/version",
            "exec inspect": lambda n: f"/v1.41/exec/{execs[n]}/json",
        }
        samples: dict[tuple[str, str], list[float]] = {}
        for name, client in clients.items():  # warm up: the first answers build caches
            for path in requests.values():
                client.get(path(name)).raise_for_status()
        order = list(clients)
        for round_ in range(args.rounds):
            for label, path in requests.items():
                for name in order if round_ % 2 else reversed(order):
                    started = time.perf_counter()
                    clients[name].get(path(name)).raise_for_status()
                    samples.setdefault((label, name), []).append(time.perf_counter() - started)
        print(f"\n{args.rounds} interleaved rounds, {args.containers} containers running, "
              "medians in ms over one kept-alive connection")  # fmt: skip
        print(f"| {'request':<14} | dockershim | podman-svc | shim/svc | floor | shim-floor |")
        print(f"|{'-' * 16}|------------|------------|----------|-------|------------|")
        for label in requests:
            mine, theirs, least = (
                statistics.median(samples[(label, t.name)]) * 1000 for t in targets
            )
            print(f"| {label:<14} | {mine:10.2f} | {theirs:10.2f} | {mine / theirs:8.2f} "
                  f"| {least:5.2f} | {mine - least:10.2f} |")  # fmt: skip
        for client in clients.values():
            client.close()
        return 0
    finally:
        for target in (shim, svc, floor):
            target.stop()
        for name in names:
            subprocess.run([PODMAN, "rm", "-f", "-t0", name], capture_output=True, check=False)
        for leftover in work.iterdir():
            leftover.unlink(missing_ok=True)
        os.rmdir(work)


if __name__ == "__main__":
    raise SystemExit(main())
