"""The scenarios of bench/speed.py: each a set-up, a measured step per target, a tear-down.

A scenario measures one or more rows (compose measures up, ps and down in one go). `measure`
returns seconds per row, or raises Failed; a row a target cannot do (no podman CLI equivalent)
is simply absent for it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speed_common import (
    COMPOSE,
    IMAGE,
    LABEL,
    PREFIX,
    TIMEOUT,
    Failed,
    Target,
    podman,
    run,
    timed,
)

CT = f"{PREFIX}-ct"  # a running container for inspect, exec, cp
LOGS_CT = f"{PREFIX}-logs"
MIB = 1 << 20
SERVICES = 10


@dataclass
class Scenario:
    name: str
    rows: list[str]
    measure: Callable[[Target, dict[str, Any]], dict[str, float]]
    setup: Callable[[dict[str, Any], list[Target]], None] = lambda ctx, targets: None
    teardown: Callable[[dict[str, Any]], None] = lambda ctx: None
    api_only: bool = False  # no podman CLI equivalent
    ctx: dict[str, Any] = field(default_factory=dict)


def one(row: str, seconds: float) -> dict[str, float]:
    return {row: seconds}


def ensure_ct() -> None:
    if podman("ps", "-q", "--filter", f"name=^{CT}$").strip():
        return
    podman("rm", "-f", "-t0", CT)
    podman("run", "-d", "--name", CT, "--label", LABEL, IMAGE, "sleep", "86400", check=True)


def stop_all(ctx: dict[str, Any], targets: list[Target]) -> None:
    """Stop our own running containers; the user's others are left alone (and reported)."""
    ours = podman("ps", "-q", "--filter", f"label={LABEL}").split()
    if ours:
        podman("stop", "-t0", *ours)
    others = podman("ps", "-q").split()
    if others:
        print(
            f"  note: {len(others)} containers not ours keep running during 'ps, none running'",
            file=sys.stderr,
        )


def start_running(count: int) -> Callable[[dict[str, Any], list[Target]], None]:
    def setup(ctx: dict[str, Any], targets: list[Target]) -> None:
        ensure_ct()
        running = len(podman("ps", "-q").split())
        for i in range(max(0, count - running)):
            podman(
                "run",
                "-d",
                "--name",
                f"{PREFIX}-ps-{i}",
                "--label",
                LABEL,
                IMAGE,
                "sleep",
                "86400",
                check=True,
            )
        ctx["names"] = [f"{PREFIX}-ps-{i}" for i in range(max(0, count - running))]

    return setup


def remove_names(ctx: dict[str, Any]) -> None:
    if ctx.get("names"):
        podman("rm", "-f", "-t0", *ctx["names"])


def parallel_ps(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            t.cli("ps"),
            env=t.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(20)
    ]
    bad = [p for p in procs if p.wait(TIMEOUT) != 0]
    seconds = time.perf_counter() - started
    if bad:
        raise Failed(f"{len(bad)} of 20 ps failed: {bad[0].stderr.read()[-120:]!r}")  # type: ignore[union-attr]
    return one("ps x20 parallel", seconds)


def setup_exec_inspect(ctx: dict[str, Any], targets: list[Target]) -> None:
    ensure_ct()
    for t in targets:
        if t.is_api:
            api = t.client().api
            exec_id = api.exec_create(CT, ["true"])["Id"]
            api.exec_start(exec_id)
            ctx[t.name] = api, exec_id


def exec_inspect(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    api, exec_id = ctx[t.name]
    started = time.perf_counter()
    state = api.exec_inspect(exec_id)
    seconds = time.perf_counter() - started
    if state.get("ExitCode") != 0:
        raise Failed(f"exec inspect: ExitCode {state.get('ExitCode')!r}")
    return one("exec inspect", seconds)


def setup_cp(ctx: dict[str, Any], targets: list[Target]) -> None:
    ensure_ct()
    path = Path(ctx["workdir"]) / "cp-10MiB"
    path.write_bytes(bytes(range(256)) * (10 * MIB // 256))
    ctx["file"] = str(path)


def setup_logs(ctx: dict[str, Any], targets: list[Target]) -> None:
    podman("rm", "-f", LOGS_CT)
    script = f"yes {'0123456789abcdef' * 4} | head -c {10 * MIB}"  # 65-byte lines, cut exact
    podman("run", "--name", LOGS_CT, "--label", LABEL, IMAGE, "sh", "-c", script, check=True)


def run_stop_rm(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    started = time.perf_counter()
    cid = run(t, "run", "-d", "--label", LABEL, IMAGE, "sleep", "86400").decode().strip()
    run(t, "stop", "-t", "0", cid)
    run(t, "rm", cid)
    return one("run -d, stop -t0, rm", time.perf_counter() - started)


def run_kept(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    """`docker run IMG true` without --rm (attached, output passed on); removed afterwards,
    outside the time."""
    name = f"{PREFIX}-kept-{uuid.uuid4().hex[:8]}"
    seconds = timed(t, "run", "--name", name, "--label", LABEL, IMAGE, "true")
    podman("rm", "-f", name)
    return one("run true (no --rm)", seconds)


def build(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    context = Path(ctx["workdir"]) / f"build-{t.short}"
    context.mkdir(exist_ok=True)
    # A new RUN line each time: the build really runs a step, as an edited Dockerfile would.
    stamp = uuid.uuid4().hex
    (context / "Dockerfile").write_text(f"FROM {IMAGE}\nLABEL {LABEL}\nRUN echo {stamp} > /stamp\n")
    tag = f"{PREFIX}-build-{t.short}:latest"
    return one("build (tiny)", timed(t, "build", "-q", "-t", tag, str(context)))


def setup_compose(ctx: dict[str, Any], targets: list[Target]) -> None:
    lines = ["services:"]
    for i in range(SERVICES):
        lines += [
            f"  s{i}:",
            f"    image: {IMAGE}",
            "    command: [sleep, '86400']",
            "    labels:",
            f"      - {LABEL}",
        ]
    path = Path(ctx["workdir"]) / "compose.yaml"
    path.write_text("\n".join(lines) + "\n")
    ctx["file"] = str(path)


def compose(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    base = [COMPOSE, "-f", ctx["file"], "-p", f"{PREFIX}-{t.short}"]
    rows: dict[str, float] = {}
    for row, args in (
        ("compose up -d (10)", ["up", "-d", "--no-build", "--pull", "never"]),
        ("compose ps (10)", ["ps"]),
        ("compose down -t0 (10)", ["down", "-t", "0"]),
    ):
        started = time.perf_counter()
        result = subprocess.run(
            [*base, *args],
            env=t.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
        )
        rows[row] = time.perf_counter() - started
        if result.returncode != 0:
            podman("rm", "-f", "-t0", *podman("ps", "-aq", "--filter", f"name={base[4]}").split())
            raise Failed(f"compose {args[0]}: {result.stderr.decode(errors='replace')[-200:]}")
        listed = result.stdout.count(b"\n") - 1
        if args[0] == "ps" and listed != SERVICES:
            raise Failed(f"compose ps listed {listed} services")
    return rows


def images_after_change(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    """`docker images` right after a container came and went (made by podman behind every
    target's back, outside the time), as a script or test suite lists images between runs."""
    cid = podman("create", "--label", LABEL, IMAGE, "true", check=True).strip()
    podman("rm", cid, check=True)
    return one("images after a change", timed(t, "images"))


PULLED = f"127.0.0.1:5000/{PREFIX}-pull:1"  # on the plain loopback registry (scripts/bootstrap.sh)


def setup_pull(ctx: dict[str, Any], targets: list[Target]) -> None:
    """The image in the registry and here: each pull finds it up to date, as a script's
    `docker pull` before its `docker run` mostly does."""
    podman("tag", IMAGE, PULLED, check=True)
    podman("push", "--tls-verify=false", PULLED, check=True)


def teardown_pull(ctx: dict[str, Any]) -> None:
    podman("rmi", PULLED)


def tag_rmi(t: Target, ctx: dict[str, Any]) -> dict[str, float]:
    """`docker tag` then `docker rmi` of the new name (an untag: the image keeps its other)."""
    name = f"{PREFIX}-tag:{t.short}"
    started = time.perf_counter()
    run(t, "tag", IMAGE, name)
    run(t, "rmi", name)
    return one("tag + rmi", time.perf_counter() - started)


def simple(row: str, *args: str, **kw: Any) -> Callable[[Target, dict[str, Any]], dict[str, float]]:
    return lambda t, ctx: one(row, timed(t, *args, **kw))


# Issue 11's "done when": the ratio each row must reach, against podman's service or its CLI.
TARGETS: dict[str, tuple[str, float]] = {
    "ps, none running": ("svc", 0.5),
    "ps, 20 running": ("svc", 0.5),
    "ps x20 parallel": ("svc", 1.0),
    "inspect": ("svc", 0.5),
    "images": ("svc", 0.5),
    "images after a change": ("svc", 0.5),  # not in the table
    "version": ("svc", 0.5),
    "info": ("svc", 0.5),
    "exec inspect": ("svc", 0.5),
    "exec CT true": ("cli", 1.2),
    "cp 10 MiB in": ("cli", 1.2),
    "run --rm true": ("svc", 1.0),
    "run true (no --rm)": ("svc", 1.0),  # not in the table: a run as scripts do it
    "run -d, stop -t0, rm": ("svc", 1.0),
    "logs 10 MiB": ("svc", 0.7),
    "build (tiny)": ("cli", 1.2),
    "compose up -d (10)": ("svc", 1.0),
    "compose ps (10)": ("svc", 0.5),
    "compose down -t0 (10)": ("svc", 1.0),
}

SCENARIOS: list[Scenario] = [
    Scenario("ps0", ["ps, none running"], simple("ps, none running", "ps"), stop_all),
    Scenario(
        "ps20", ["ps, 20 running"], simple("ps, 20 running", "ps"), start_running(20), remove_names
    ),
    Scenario("ps-parallel", ["ps x20 parallel"], parallel_ps, start_running(20), remove_names),
    Scenario("inspect", ["inspect"], simple("inspect", "inspect", CT), lambda ctx, ts: ensure_ct()),
    Scenario("images", ["images"], simple("images", "images")),
    Scenario("images-changed", ["images after a change"], images_after_change),
    Scenario("version", ["version"], simple("version", "version")),
    Scenario("info", ["info"], simple("info", "info")),
    Scenario("exec-inspect", ["exec inspect"], exec_inspect, setup_exec_inspect, api_only=True),
    # reads beside the table, each once a podman process per call (session 26)
    Scenario("df", ["system df"], simple("system df", "system", "df"), lambda ctx, ts: ensure_ct()),
    Scenario("history", ["history"], simple("history", "history", IMAGE)),
    Scenario(
        "dangling",
        ["volume ls dangling"],
        simple("volume ls dangling", "volume", "ls", "--filter", "dangling=true"),
    ),
    Scenario(
        "top",
        ["top CT aux"],
        simple("top CT aux", "top", CT, "aux"),
        lambda ctx, ts: ensure_ct(),
    ),
    # changes beside the table, each once a podman process (session 27)
    Scenario(
        "pull",
        ["pull, up to date"],
        simple("pull, up to date", "pull", PULLED),
        setup_pull,
        teardown_pull,
    ),
    Scenario("tag", ["tag + rmi"], tag_rmi),
    Scenario(
        "exec",
        ["exec CT true"],
        simple("exec CT true", "exec", CT, "true"),
        lambda ctx, ts: ensure_ct(),
    ),
    Scenario(
        "cp",
        ["cp 10 MiB in"],
        lambda t, ctx: one("cp 10 MiB in", timed(t, "cp", ctx["file"], f"{CT}:/tmp/cp")),
        setup_cp,
    ),
    Scenario(
        "run-rm",
        ["run --rm true"],
        simple("run --rm true", "run", "--rm", "--label", LABEL, IMAGE, "true"),
    ),
    Scenario("run-kept", ["run true (no --rm)"], run_kept),
    Scenario("run-stop-rm", ["run -d, stop -t0, rm"], run_stop_rm),
    Scenario(
        "logs",
        ["logs 10 MiB"],
        simple("logs 10 MiB", "logs", LOGS_CT, size=10 * MIB),
        setup_logs,
        lambda ctx: remove_names({"names": [LOGS_CT]}),
    ),
    Scenario("build", ["build (tiny)"], build),
    Scenario(
        "compose",
        ["compose up -d (10)", "compose ps (10)", "compose down -t0 (10)"],
        compose,
        setup_compose,
        api_only=True,
    ),
]
