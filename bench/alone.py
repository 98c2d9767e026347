#!/usr/bin/env python3
"""Benchmark (not a test): containers run one at a time with nothing else running, as a script
or a test suite runs them, through one service at a time.

bench/speed.py runs its targets side by side, so all of them share podman 4's rootless network
namespace while any one holds it; this one gives each target the machine alone. Per round and
target (in rotated order): start the service (none for the podman CLI), run one container
untimed (the service's first start; dockershim then holds the namespace, engine/netns_hold.py),
wait two seconds, check nothing else runs, then time `docker run --rm IMG true` and `run -d` +
`stop -t0` + `rm`; stop the service (dockershim removes its holding pod) and check nothing of
it is left. Prints medians and the ratios to podman's service and CLI.

    scripts/bench.sh alone.py --rounds 5 [--variant 'before@/path/to/checkout=']
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import planned_targets
from speed_common import (
    CLI,
    IMAGE,
    PREFIX,
    SERVICE,
    SHIM,
    Failed,
    Target,
    cleanup,
    podman,
    run,
    timed,
)

from dockershim.translate.internal_pods import is_internal_name

ROWS = ("run --rm true", "run -d, stop -t0, rm")


def _others_running() -> list[str]:
    """Running containers other than the benchmark's and dockershim's own holder."""
    names = podman("ps", "--format", "{{.Names}}").split()
    return [n for n in names if not n.startswith(PREFIX) and not is_internal_name(n)]


def _targets(workdir: Path, variants: list[str]) -> list[tuple[Target, list[str] | None]]:
    """Each target with the argv that starts its service (None: the podman CLI)."""
    planned: list[tuple[Target, list[str] | None]] = [*planned_targets(workdir, variants)]
    return [*planned, (Target(CLI, None, dict(os.environ)), None)]


def _once(t: Target, argv: list[str] | None, n: int) -> dict[str, float]:
    if argv is not None:
        t.start(argv)
    try:
        run(t, "run", "--rm", "--name", f"{PREFIX}-warm-{n}", IMAGE, "true")
        time.sleep(2)
        others = _others_running()
        if others:
            raise Failed(f"not alone: {others} run")
        rm = timed(t, "run", "--rm", "--name", f"{PREFIX}-rm-{n}", IMAGE, "true")
        started = time.perf_counter()
        name = f"{PREFIX}-kept-{n}"
        run(t, "run", "-d", "--name", name, IMAGE, "sleep", "100")
        run(t, "stop", "-t", "0", name)
        run(t, "rm", name)
        return {ROWS[0]: rm, ROWS[1]: time.perf_counter() - started}
    finally:
        t.stop()
        left = [
            p for p in podman("pod", "ps", "--format", "{{.Name}}").split() if "dockershim" in p
        ]
        if left:
            raise Failed(f"{t.name} left pods behind: {left}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME[@REPO]=ARGS")
    args = parser.parse_args()
    if _others_running():
        raise SystemExit(f"containers are running ({_others_running()}): this needs none")
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="dsbench-alone-") as tmp:
        workdir = Path(tmp)
        targets = _targets(workdir, args.variant)
        try:
            for r in range(args.rounds):
                k = r % len(targets)
                for t, argv in targets[k:] + targets[:k]:
                    for row, value in _once(t, argv, r).items():
                        samples.setdefault((t.name, row), []).append(value)
                print(f"  round {r + 1}: done", file=sys.stderr, flush=True)
        finally:
            cleanup()
    names = [t.name for t, _ in targets]
    print(f"\n{args.rounds} rounds, each target alone on the machine, medians in ms")
    print(
        "| scenario             |"
        + "".join(f" {n:>10} |" for n in names)
        + " shim/svc | shim/cli |"
    )
    print("|----------------------|" + "------------|" * len(names) + "----------|----------|")
    for row in ROWS:
        med = {n: statistics.median(samples[(n, row)]) * 1000 for n in names}
        cells = "".join(f" {med[n]:>10.0f} |" for n in names)
        svc, cli = med[SHIM] / med[SERVICE], med[SHIM] / med[CLI]
        print(f"| {row:<20} |{cells} {svc:>8.2f} | {cli:>8.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
