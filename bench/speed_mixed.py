"""The mixed load of bench/speed.py: N docker-py clients, each doing M random operations.

Operations (the same seeded sequence for every target): list containers, inspect one, run --rm
with an output check, exec with an exit-code check, version. A NotFound while listing is a race
dockerd has too (docker-py's list() inspects each listed container; a `run --rm` one may be gone
by then): counted apart from real errors, as "list races".
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from speed_common import IMAGE, LABEL, PREFIX, Failed, Target, podman

OPS = ("list", "inspect", "run", "exec", "version")
POOL = [f"{PREFIX}-mixed-{i}" for i in range(3)]


HUNG_AFTER = 180.0  # seconds a mixed run may take before its clients still busy are errors


@dataclass
class MixedResult:
    wall: float = 0.0
    ops: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    races: int = 0

    def merge(self, other: MixedResult) -> None:
        self.wall += other.wall
        self.ops += other.ops
        self.errors += other.errors
        self.races += other.races

    def summary(self, runs: int) -> str:
        ops = sorted(self.ops)
        if not ops:
            return f"no operation succeeded; errors {len(self.errors)}"
        p95 = ops[min(len(ops) - 1, int(0.95 * len(ops)))]
        return (
            f"wall {self.wall / runs:7.2f} s  median op {statistics.median(ops) * 1000:6.0f} ms"
            f"  p95 {p95 * 1000:6.0f} ms  errors {len(self.errors)}  list races {self.races}"
        )


def setup_pool() -> None:
    for name in POOL:
        if not podman("ps", "-q", "--filter", f"name=^{name}$").strip():
            podman("rm", "-f", "-t0", name)
            podman(
                "run", "-d", "--name", name, "--label", LABEL, IMAGE, "sleep", "86400", check=True
            )


def teardown_pool() -> None:
    podman("rm", "-f", "-t0", *POOL)


def one_op(client: Any, op: str, rng: random.Random) -> None:
    if op == "list":
        client.containers.list()
    elif op == "inspect":
        client.api.inspect_container(rng.choice(POOL))
    elif op == "run":
        token = uuid.uuid4().hex[:12]
        out = client.containers.run(
            IMAGE, ["echo", token], remove=True, labels=dict([LABEL.split("=")])
        )
        if out != f"{token}\n".encode():
            raise Failed(f"run --rm printed {out[:40]!r}")
    elif op == "exec":
        code = rng.randint(0, 5)
        exec_id = client.api.exec_create(rng.choice(POOL), ["sh", "-c", f"exit {code}"])["Id"]
        client.api.exec_start(exec_id)
        got = client.api.exec_inspect(exec_id)["ExitCode"]
        if got != code:
            raise Failed(f"exec exit code {got!r}, wanted {code}")
    else:
        if "ApiVersion" not in client.version():
            raise Failed("version without ApiVersion")


def _gone(exc: Exception) -> bool:
    """docker-py's list() inspects each listed container: one removed meanwhile (a `run --rm`)
    is a 404 from dockerd and dockershim, a 500 "no such container" from podman's service."""
    text = str(exc).lower()
    return "404" in text or "no such container" in text or "does not exist" in text


def mixed(t: Target, clients: int, per_client: int, seed: int) -> MixedResult:
    result = MixedResult()
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = t.client()
        try:
            for _ in range(per_client):
                op = rng.choice(OPS)
                started = time.perf_counter()
                try:
                    one_op(client, op, rng)
                except Exception as exc:  # a benchmark counts errors, it does not stop
                    with lock:
                        if op == "list" and _gone(exc):
                            result.races += 1
                        else:
                            result.errors.append(f"{op}: {type(exc).__name__}: {exc}"[:300])
                    continue
                with lock:
                    result.ops.append(time.perf_counter() - started)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    # podman 4.3's own service sometimes never ends a followed log of a `run --rm` container
    # (docker-py's run reads one with no timeout): such a client is counted as an error and
    # left behind, instead of hanging the benchmark
    deadline = started + HUNG_AFTER
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    with lock:
        hung = sum(thread.is_alive() for thread in threads)
        result.errors += [f"a client hung for {HUNG_AFTER:g} s"] * hung
    result.wall = time.perf_counter() - started
    return result
