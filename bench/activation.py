"""Benchmark (not a test): cold activation and idle memory, dockershim against podman's service.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh activation.py [--rounds N] [--activator-only]

Measures, side by side:
- cold activation: from running `docker version` against a socket where no service runs to its
  answer, for dockershim behind its activator, dockershim behind `systemd-socket-activate`, and
  `systemd-socket-activate -l SOCK podman system service --time=5` (podman's own service);
- warm `docker version` (service already running), for reference;
- a cold `docker ps` (the CLI's /_ping, then a container list: the first request that is not
  /_ping or /version);
- resident memory while idle of what stays (our activator; systemd-socket-activate for podman)
  and of the running service (dockershim serve; podman system service).
Prints medians, then the activator's figures against issue 11's targets (cold `docker version`
<= 300 ms median, idle activator <= 10 MB RSS). Numbers on a shared 2-core machine are noisy.
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

REPO = Path(__file__).resolve().parent.parent
DOCKER = "/usr/local/bin/docker"
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def wait_path(path: str) -> None:
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.01)


VERSION = ["version", "--format", "{{.Server.Version}}"]
PS = ["ps", "--format", "{{.ID}}"]  # a cold read: the first request after /_ping is a list


def docker_version(sock: str, config: str) -> float:
    return docker(sock, config, VERSION)


def docker(sock: str, config: str, args: list[str]) -> float:
    env = {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_CONFIG": config}
    started = time.perf_counter()
    subprocess.run(
        [DOCKER, *args],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    return time.perf_counter() - started


def memory(pid: int) -> dict[str, int]:
    """kB: Rss, Pss and Private (clean + dirty) of one process."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            values[key] = int(rest.split()[0])
    return {
        "rss": values["Rss"],
        "pss": values["Pss"],
        "private": values["Private_Clean"] + values["Private_Dirty"],
    }


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def env_for_child() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def passthrough() -> list[str]:
    args = ["-E", f"PYTHONPATH={REPO}"]
    for name in ("PATH", "HOME", "XDG_RUNTIME_DIR", "USER"):
        if name in os.environ:
            args += ["-E", f"{name}={os.environ[name]}"]
    return args


def bench_activator(work: str, config: str) -> dict[str, object]:
    sock = f"{work}/activator.sock"
    argv = [sys.executable, "-m", "dockershim", "activate", "--socket", sock]
    proc = subprocess.Popen(
        [*argv, "--idle-timeout", "1", "--log-level", "error"],
        env=env_for_child(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_path(sock)
        time.sleep(1)
        idle = memory(proc.pid)
        cold, warm, cold_ps, service = [], [], [], {}
        for _ in range(ROUNDS):
            while children(proc.pid):
                time.sleep(0.05)
            cold.append(docker_version(sock, config))
            warm.append(docker_version(sock, config))
            kids = children(proc.pid)
            if kids:
                service = memory(kids[0])
            while children(proc.pid):
                time.sleep(0.05)
            cold_ps.append(docker(sock, config, PS))
        return {"cold": cold, "warm": warm, "cold_ps": cold_ps, "idle": idle, "service": service}
    finally:
        proc.terminate()
        proc.wait()


def bench_socket_activate(work: str, config: str, service: list[str]) -> dict[str, object]:
    cold, warm, cold_ps, idle, running = [], [], [], {}, {}
    for i in range(ROUNDS * 2):
        sock = f"{work}/ssa-{i}.sock"
        proc = subprocess.Popen(
            ["systemd-socket-activate", "-l", sock, *passthrough(), *service],
            env=env_for_child(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_path(sock)
            time.sleep(0.3)
            idle = memory(proc.pid)
            if i % 2:  # a fresh socket each time: it serves once, then its service stays
                cold_ps.append(docker(sock, config, PS))
                continue
            cold.append(docker_version(sock, config))
            warm.append(docker_version(sock, config))
            running = memory(proc.pid)  # it exec'd the service in its own place
        finally:
            proc.terminate()
            proc.wait()
    return {"cold": cold, "warm": warm, "cold_ps": cold_ps, "idle": idle, "service": running}


def show(name: str, result: dict[str, object]) -> None:
    cold = statistics.median(result["cold"])  # type: ignore[arg-type]
    warm = statistics.median(result["warm"])  # type: ignore[arg-type]
    cold_ps = statistics.median(result["cold_ps"])  # type: ignore[arg-type]
    idle = result["idle"]
    service = result["service"]
    print(
        f"{name:44} cold {cold * 1000:7.0f} ms   warm {warm * 1000:5.0f} ms   "
        f"cold ps {cold_ps * 1000:5.0f} ms   "
        f"idle holder rss/pss/private {fmt(idle)}   service {fmt(service)}"
    )


def fmt(mem: object) -> str:
    if not isinstance(mem, dict) or not mem:
        return "n/a"
    return f"{mem['rss'] / 1024:.1f}/{mem['pss'] / 1024:.1f}/{mem['private'] / 1024:.1f} MB"


def verdict(result: dict[str, object]) -> None:
    cold = statistics.median(result["cold"]) * 1000  # type: ignore[arg-type]
    rss = result["idle"]["rss"] / 1024  # type: ignore[index]
    print(
        f"activator: cold `docker version` median {cold:.0f} ms (target <= 300: "
        f"{'met' if cold <= 300 else 'NOT met'}), idle RSS {rss:.1f} MB (target <= 10: "
        f"{'met' if rss <= 10 else 'NOT met'}); all cold samples (ms): "
        + ", ".join(f"{c * 1000:.0f}" for c in result["cold"])  # type: ignore[attr-defined]
    )


def main() -> None:
    global ROUNDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"default {ROUNDS}")
    parser.add_argument(
        "--activator-only", action="store_true", help="skip the systemd-socket-activate rows"
    )
    args = parser.parse_args()
    ROUNDS = args.rounds
    serve = [sys.executable, "-m", "dockershim", "serve", "--idle-timeout", "1"]
    serve += ["--log-level", "error"]
    podman = ["podman", "system", "service", "--time=5"]
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as config:
        print(f"{ROUNDS} rounds each; medians; memory in MB (rss/pss/private)")
        activator = bench_activator(work, config)
        show("dockershim activate (idle: the activator)", activator)
        if not args.activator_only:
            show(
                "dockershim serve via systemd-socket-activate",
                bench_socket_activate(work, config, serve),
            )
            show(
                "podman system service via systemd-socket-act.",
                bench_socket_activate(work, config, podman),
            )
        verdict(activator)


if __name__ == "__main__":
    main()
