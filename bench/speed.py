#!/usr/bin/env python3
"""Benchmark (not a test): dockershim against podman's own Docker API service and the podman CLI.

One run, interleaved: for each scenario, every round runs it against each target back to back,
the order rotated each round, so the machine's noise hits all of them alike. Targets:
  dockershim  - `python -m dockershim serve` from this checkout, docker CLI / docker-py
  podman-svc  - `podman system service --time=0` as the same user, on the same storage
  podman-cli  - the podman command doing the same thing directly, where there is one
Prints per scenario the medians (ms) and the ratios dockershim/podman-svc, dockershim/podman-cli;
then the mixed load (8 docker-py clients x 25 random operations) per API target.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh speed.py [--rounds 5] [--quick] [--only ps20,inspect,mixed]
Absolute times on a shared machine are noise; the ratios are the result.
Everything it creates (names and labels `dsbench`) is removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from speed_common import (
    CLI,
    DOCKER,
    PODMAN,
    REPO,
    SERVICE,
    SHIM,
    Failed,
    Target,
    cleanup,
    rss_kib,
)
from speed_mixed import MixedResult, mixed, setup_pool, teardown_pool
from speed_scenarios import SCENARIOS, TARGETS, Scenario

Samples = dict[tuple[str, str], list[float]]


def parse() -> argparse.Namespace:
    names = [s.name for s in SCENARIOS] + ["mixed"]
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="scenarios: " + ", ".join(names)
    )
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (default 7)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, mixed load 8 x 8")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--skip", default="", help="comma-separated scenario names")
    parser.add_argument("--clients", type=int, default=8, help="mixed load: clients")
    parser.add_argument("--ops", type=int, default=25, help="mixed load: operations per client")
    parser.add_argument("--no-cli", action="store_true", help="leave the podman CLI target out")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME[@REPO]=ARGS",
        help="one more dockershim target, e.g. 'wide=--podman-concurrency 64' or 'main@/work/main='"
        " (its medians and its ratio to podman-svc are added to each row)",
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.ops = min(args.rounds, 3), min(args.ops, 8)
    chosen = set(filter(None, args.only.split(","))) or set(names)
    chosen -= set(filter(None, args.skip.split(",")))
    unknown = chosen - set(names)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {names}")
    args.chosen = chosen
    return args


def serve_argv(sock: str, extra: list[str]) -> list[str]:
    base = [sys.executable, "-m", "dockershim", "serve", "--socket", sock]
    return [*base, "--idle-timeout", "0", "--log-level", "warning", *extra]


def parse_variant(text: str) -> tuple[str, Path, list[str]]:
    """NAME[@REPO]=SERVE ARGS: another dockershim target (other options, another checkout)."""
    head, _, args = text.partition("=")
    name, _, repo = head.partition("@")
    if not name or name in (SHIM, SERVICE, CLI):
        raise SystemExit(f"--variant {text!r}: give it a name of its own")
    return name, Path(repo).resolve() if repo else REPO, shlex.split(args)


def planned_targets(workdir: Path, variants: list[str]) -> list[tuple[Target, list[str]]]:
    """dockershim from this checkout, each variant, then podman's service: each target with
    the argv that starts it (none started yet; a bad variant fails before any starts)."""
    config = workdir / "docker-config"
    config.mkdir(exist_ok=True)
    wanted: list[tuple[str, Path, list[str] | None]] = [(SHIM, REPO, [])]
    wanted += [parse_variant(v) for v in variants]
    wanted.append((SERVICE, REPO, None))  # None: podman's service
    planned = []
    for name, repo, extra in wanted:
        sock = str(workdir / f"{name}.sock")
        env = {
            **os.environ,
            "DOCKER_HOST": f"unix://{sock}",
            "DOCKER_CONFIG": str(config),
            "DOCKER_BUILDKIT": "0",
            "COMPOSE_PROGRESS": "quiet",
        }
        argv = (
            serve_argv(sock, extra)
            if extra is not None
            else [PODMAN, "system", "service", "--time=0", f"unix://{sock}"]
        )
        planned.append((Target(name, sock, env, repo=repo), argv))
    return planned


def start_targets(
    workdir: Path, with_cli: bool, variants: list[str], targets: list[Target]
) -> dict[str, float]:
    """Start every target into `targets` (the caller's, so that one that fails to start, a
    variant's checkout that is missing, still leaves the started ones to be stopped)."""
    startup = {}
    for target, argv in planned_targets(workdir, variants):
        targets.append(target)
        startup[target.name] = target.start(argv)
    if with_cli:
        targets.append(Target(CLI, None, dict(os.environ)))
    return startup


def rotated(targets: list[Target], r: int) -> list[Target]:
    k = r % len(targets)
    return targets[k:] + targets[:k]


def run_scenario(
    scn: Scenario,
    targets: list[Target],
    rounds: int,
    workdir: Path,
    samples: Samples,
    failures: dict[tuple[str, str], list[str]],
) -> None:
    scn.ctx = {"workdir": str(workdir)}
    usable = [t for t in targets if t.is_api or not scn.api_only]
    scn.setup(scn.ctx, usable)
    try:
        for r in range(rounds + 1):  # round 0 warms every target up and is not counted
            for t in rotated(usable, r):
                try:
                    rows = scn.measure(t, scn.ctx)
                except Failed as exc:
                    for row in scn.rows:
                        failures.setdefault((row, t.name), []).append(str(exc))
                    continue
                if r:
                    for row, seconds in rows.items():
                        samples.setdefault((row, t.name), []).append(seconds)
        print(f"  {scn.name}: done", file=sys.stderr, flush=True)
    finally:
        scn.teardown(scn.ctx)


def run_mixed(targets: list[Target], args: argparse.Namespace) -> dict[str, MixedResult]:
    api = [t for t in targets if t.is_api]
    setup_pool()
    results = {t.name: MixedResult() for t in api}
    try:
        for t in api:  # warm-up: a few operations, not counted
            mixed(t, 2, 2, seed=99)
        for t in rotated(api, 0) + rotated(api, 1):  # each target twice, both orders
            results[t.name].merge(mixed(t, args.clients, args.ops, seed=1))
            print(f"  mixed {t.name}: done", file=sys.stderr, flush=True)
    finally:
        teardown_pool()
    return results


def ms(values: list[float] | None) -> str:
    return f"{statistics.median(values) * 1000:.0f}" if values else "-"


def ratio(a: list[float] | None, b: list[float] | None) -> str:
    return f"{statistics.median(a) / statistics.median(b):.2f}" if a and b else "-"


def target(
    row: str, shim: list[float] | None, svc: list[float] | None, cli: list[float] | None
) -> str:
    if row not in TARGETS:
        return "-"  # a row of our own, beside the issue's
    against, limit = TARGETS[row]
    base = svc if against == "svc" else cli
    if not shim or not base:
        return f"{against}<={limit:g} ?"
    met = statistics.median(shim) / statistics.median(base) <= limit
    return f"{against}<={limit:g} {'ok' if met else 'NO'}"


def report(
    args: argparse.Namespace,
    samples: Samples,
    failures: dict[tuple[str, str], list[str]],
    mixed_results: dict[str, MixedResult],
    startup: dict[str, float],
    memory: dict[str, int],
) -> None:
    print(f"\n{args.rounds} interleaved rounds, medians in ms; docker CLI {DOCKER}")
    variants = [parse_variant(v)[0] for v in args.variant]
    head = (
        f"| {'scenario':<24}| {SHIM:>10} | {SERVICE:>10} | {CLI:>10} | shim/svc | shim/cli "
        "| target        |" + "".join(f" {v:>10} | {v[:6] + '/svc':>10} |" for v in variants)
    )
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for scn in SCENARIOS:
        if scn.name not in args.chosen:
            continue
        for row in scn.rows:
            shim, svc, cli = (samples.get((row, n)) for n in (SHIM, SERVICE, CLI))
            goal = target(row, shim, svc, cli)
            extra = "".join(
                f" {ms(samples.get((row, v))):>10} | {ratio(samples.get((row, v)), svc):>10} |"
                for v in variants
            )
            print(
                f"| {row:<24}| {ms(shim):>10} | {ms(svc):>10} | {ms(cli):>10} "
                f"| {ratio(shim, svc):>8} | {ratio(shim, cli):>8} | {goal:<13} |{extra}"
            )
    if mixed_results:
        print(
            f"\nmixed load: {args.clients} docker-py clients x {args.ops} random operations, "
            "2 runs per target (wall is the mean of the runs)"
        )
        for name, result in mixed_results.items():
            print(f"  {name:<11} {result.summary(2)}")
        svc = mixed_results.get(SERVICE)
        for name in (SHIM, *variants):
            shim = mixed_results.get(name)
            if shim and svc and svc.wall:
                met = shim.wall / svc.wall <= 1.0 and not shim.errors
                print(
                    f"  wall ratio {name}/svc {shim.wall / svc.wall:.2f} "
                    f"(target <= 1.0 with no errors: {'ok' if met else 'NO'})"
                )
        for name, result in mixed_results.items():
            for err in sorted(set(result.errors))[:5]:
                print(f"  error ({name}): {err}")
    print(
        "\nstart-up to the first /_ping answer: "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in startup.items())
    )
    print(
        "resident memory at the end (with children): "
        + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in memory.items())
    )
    for (row, name), errors in failures.items():
        print(f"FAILED {row} @ {name}: {len(errors)}x, e.g. {errors[0]}")


def main() -> int:
    args = parse()
    for sig in (signal.SIGINT, signal.SIGTERM):  # clean up on ^C and SIGTERM (also if started
        signal.signal(sig, signal.default_int_handler)  # with SIGINT ignored, as `cmd &` is)
    workdir = Path(tempfile.mkdtemp(prefix="dsbench-"))
    targets: list[Target] = []
    samples: Samples = {}
    failures: dict[tuple[str, str], list[str]] = {}
    mixed_results: dict[str, MixedResult] = {}
    startup: dict[str, float] = {}
    memory: dict[str, int] = {}
    started = time.monotonic()
    try:
        cleanup()
        startup = start_targets(workdir, not args.no_cli, args.variant, targets)
        for scn in SCENARIOS:
            if scn.name in args.chosen:
                run_scenario(scn, targets, args.rounds, workdir, samples, failures)
        if "mixed" in args.chosen:
            mixed_results = run_mixed(targets, args)
        memory = {t.name: rss_kib(t.proc.pid) for t in targets if t.proc}
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second ^C must not skip the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for t in targets:
            t.stop()
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    report(args, samples, failures, mixed_results, startup, memory)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
