#!/usr/bin/env python3
"""Benchmark (not a test): where the time of `docker run -d` + `stop -t0` + `rm` goes, per call.

`bench/speed.py` times the whole row through the docker CLI. This one sends the four API
calls the CLI sends (create, start, stop?t=0, delete) over one kept-alive connection per
target, interleaved round by round, and prints the median of each call: dockershim (`python
-m dockershim serve` from this checkout) against `podman system service --time=0` (the
Docker-compatible API, as the same user on the same storage), and the same four steps through
podman's own libpod API on that service ("libpod": what a shim that sent its changes to a
podman service child would pay at best) and as podman CLI processes ("podman-cli": what the
shim pays now, without its HTTP layer). All on podman's bridge network `podman`, Docker's
default network in both services.

With `--storage`, each create also mounts a named volume and a host folder (read-only), as
`docker run -v NAME:/data -v DIR:/site:ro` does. With `--host-options`, it also sets what a
compose service's `logging.options.max-size`, `sysctls` and `ipc: shareable` send.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh mutation_steps.py [--rounds 15] [--storage]
Everything it creates (names `dsbench-mut-*`) is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_common import PODMAN, SERVICE, SHIM, Target

PREFIX = "dsbench-mut"
IMAGE = "busybox"
STEPS = ("create", "start", "stop", "rm")
VOLUME = f"{PREFIX}-vol"
LIBPOD, CLI = "libpod", "podman-cli"
Step = Callable[[str], None]
SYSCTL = {"net.ipv4.ping_group_range": "0 1000"}


@dataclass(frozen=True)
class Shape:
    """What each create carries besides the image and command, in each target's words."""

    docker: dict[str, Any]  # HostConfig
    libpod: dict[str, Any]  # specgen fields
    cli: list[str]  # podman create options


def shape(site: str | None, host_options: bool) -> Shape:
    docker: dict[str, Any] = {}
    libpod: dict[str, Any] = {}
    cli: list[str] = []
    if site:
        docker["Binds"] = [f"{VOLUME}:/data", f"{site}:/site:ro"]
        libpod["volumes"] = [{"Name": VOLUME, "Dest": "/data"}]
        libpod["mounts"] = [
            {"destination": "/site", "type": "bind", "source": site, "options": ["ro"]}
        ]
        cli += ["-v", f"{VOLUME}:/data", "-v", f"{site}:/site:ro"]
    if host_options:
        docker["LogConfig"] = {"Type": "json-file", "Config": {"max-size": "10m"}}
        docker["Sysctls"] = SYSCTL
        docker["IpcMode"] = "shareable"
        libpod["log_configuration"] = {"size": 10_000_000}
        libpod["sysctl"] = SYSCTL
        libpod["ipcns"] = {"nsmode": "shareable"}
        cli += ["--log-opt", "max-size=10m", "--ipc", "shareable"]
        cli += [f"--sysctl={key}={value}" for key, value in SYSCTL.items()]
    return Shape(docker, libpod, cli)


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response


def docker_steps(client: httpx.Client, made: Shape) -> dict[str, Step]:
    ids: dict[str, str] = {}

    def create(name: str) -> None:
        body = {"Image": IMAGE, "Cmd": ["sleep", "3600"], "HostConfig": made.docker}
        answer = _ok(client.post("/v1.41/containers/create", params={"name": name}, json=body))
        ids[name] = answer.json()["Id"]

    return {
        "create": create,
        "start": lambda n: _ok(client.post(f"/v1.41/containers/{ids[n]}/start")) and None,
        "stop": lambda n: _ok(client.post(f"/v1.41/containers/{ids[n]}/stop?t=0")) and None,
        "rm": lambda n: _ok(client.delete(f"/v1.41/containers/{ids[n]}")) and None,
    }


def libpod_steps(client: httpx.Client, made: Shape) -> dict[str, Step]:
    base = "/v4.0.0/libpod/containers"

    def create(name: str) -> None:
        spec: dict[str, object] = {
            "name": name,
            "image": IMAGE,
            "command": ["sleep", "3600"],
            "netns": {"nsmode": "bridge"},
            "Networks": {"podman": {}},
            **made.libpod,
        }
        _ok(client.post(f"{base}/create", json=spec))

    return {
        "create": create,
        "start": lambda n: _ok(client.post(f"{base}/{n}/start")) and None,
        "stop": lambda n: _ok(client.post(f"{base}/{n}/stop?timeout=0")) and None,
        "rm": lambda n: _ok(client.delete(f"{base}/{n}")) and None,
    }


def cli_steps(made: Shape) -> dict[str, Step]:
    def podman(*args: str) -> None:
        subprocess.run([PODMAN, *args], check=True, capture_output=True, timeout=300)

    return {
        "create": lambda n: podman(
            "create", "--name", n, "--network", "podman", *made.cli, IMAGE, "sleep", "3600"
        ),
        "start": lambda n: podman("start", n),
        "stop": lambda n: podman("stop", "-t", "0", n),
        "rm": lambda n: podman("rm", n),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--storage", action="store_true", help="creates mount a volume and a bind")
    parser.add_argument(
        "--host-options", action="store_true", help="creates set logging, sysctls and ipc"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dsbench-mut-"))
    site = str(work / "site") if args.storage else None
    if site:
        os.mkdir(site)
    shim = Target(SHIM, str(work / "shim.sock"))
    svc = Target(SERVICE, str(work / "svc.sock"))
    clients: list[httpx.Client] = []
    try:
        shim.start([sys.executable, "-m", "dockershim", "serve", "--socket", str(shim.sock),
                    "--idle-timeout", "0", "--log-level", "warning"])  # fmt: skip
        svc.start([PODMAN, "system", "service", "--time=0", f"unix://{svc.sock}"])
        for target in (shim, svc, svc):
            transport = httpx.HTTPTransport(uds=target.sock)
            clients.append(httpx.Client(transport=transport, base_url="http://d", timeout=300))
        made = shape(site, args.host_options)
        ways: dict[str, dict[str, Step]] = {
            SHIM: docker_steps(clients[0], made),
            SERVICE: docker_steps(clients[1], made),
            LIBPOD: libpod_steps(clients[2], made),
            CLI: cli_steps(made),
        }
        samples: dict[tuple[str, str], list[float]] = {}
        order = list(ways)
        for round_ in range(args.rounds + 1):  # round 0 warms up
            for way in order if round_ % 2 else reversed(order):
                name = f"{PREFIX}-{round_}-{way}"
                for step in STEPS:
                    started = time.perf_counter()
                    ways[way][step](name)
                    if round_:
                        samples.setdefault((step, way), []).append(time.perf_counter() - started)
        print(f"\n{args.rounds} interleaved rounds, medians in ms")
        print("| step   | " + " | ".join(f"{w:>10}" for w in order) + " | shim/svc | shim-cli |")
        print("|--------|" + "|".join("-" * 12 for _ in order) + "|----------|----------|")
        totals = dict.fromkeys(order, 0.0)
        for step in STEPS:
            medians = {w: statistics.median(samples[(step, w)]) * 1000 for w in order}
            for way, value in medians.items():
                totals[way] += value
            cells = " | ".join(f"{medians[w]:10.1f}" for w in order)
            print(f"| {step:<6} | {cells} | {medians[SHIM] / medians[SERVICE]:8.2f} "
                  f"| {medians[SHIM] - medians[CLI]:8.1f} |")  # fmt: skip
        cells = " | ".join(f"{totals[w]:10.1f}" for w in order)
        print(f"| total  | {cells} | {totals[SHIM] / totals[SERVICE]:8.2f} "
              f"| {totals[SHIM] - totals[CLI]:8.1f} |")  # fmt: skip
        return 0
    finally:
        for client in clients:
            client.close()
        for target in (shim, svc):
            target.stop()
        leftovers = subprocess.run(
            [PODMAN, "ps", "-aq", "--filter", f"name={PREFIX}-"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        if leftovers:
            subprocess.run([PODMAN, "rm", "-f", "-t0", *leftovers], capture_output=True)
        subprocess.run([PODMAN, "volume", "rm", "-f", VOLUME], capture_output=True)
        if site:
            os.rmdir(site)
        for leftover in work.iterdir():
            leftover.unlink(missing_ok=True)
        os.rmdir(work)


if __name__ == "__main__":
    raise SystemExit(main())
