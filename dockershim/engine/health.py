"""Healthchecks on demand.

podman schedules healthchecks with systemd timers; without a user systemd (these hosts) they
never run and a container stays "starting" forever. So when a client looks at a running
container whose last check is older than its interval (or that has none yet), run the check
once, then report the fresh state: through podman's service child (libpod's healthcheck
endpoint runs the same `HealthCheck` as `podman healthcheck run`, ~40 ms sooner), or a
`podman healthcheck run` process when the child is not running or already runs
_IN_SERVICE checks (a slow check must not hold the child's connections).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from dockershim.podman.runner import PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.translate.container_status import parse_time

_DEFAULT_INTERVAL = 30.0
_DEFAULT_TIMEOUT = 30.0
_IN_SERVICE = 4  # checks run in the service child at once; more run as processes
_inflight: dict[str, asyncio.Task[None]] = {}
_in_service: set[str] = set()  # containers whose check runs in the service child now


def _seconds(ns: Any, default: float) -> float:
    try:
        value = int(ns or 0)
    except (TypeError, ValueError):
        return default
    return value / 1e9 if value > 0 else default


def health_due(raw: Mapping[str, Any], now: float) -> bool:
    """Pure: does this container need a check run now?"""
    hc = (raw.get("Config") or {}).get("Healthcheck") or {}
    test = hc.get("Test") or []
    if not test or test[0] == "NONE":
        return False
    state = raw.get("State") or {}
    if str(state.get("Status", "")).lower() != "running":
        return False
    interval = _seconds(hc.get("Interval"), _DEFAULT_INTERVAL)
    log = (state.get("Health") or {}).get("Log") or []
    if not log:
        started = parse_time(state.get("StartedAt")) or 0.0
        # the first check runs right away (podman's timer would fire at once too)
        return now - started >= 0
    last = parse_time(log[-1].get("End")) or parse_time(log[-1].get("Start")) or 0.0
    return now - last >= interval


async def _run(
    podman: PodmanRunner, service: PodmanService | None, ident: str, timeout: float
) -> None:
    if service is not None and service.ready and len(_in_service) < _IN_SERVICE:
        _in_service.add(ident)
        try:
            path = f"/containers/{ident}/healthcheck"  # a full id: nothing to escape
            if await service.call("GET", path, timeout=timeout + 10) is not None:
                return  # its answer is the state the next inspect reads
        finally:
            _in_service.discard(ident)
    await podman.run(["healthcheck", "run", "--", ident], check=False, timeout=timeout + 10)


async def refresh_health(
    podman: PodmanRunner,
    raw: Mapping[str, Any],
    wait: float = 3.0,
    service: PodmanService | None = None,
) -> bool:
    """Run a due healthcheck (once per container at a time); True when one finished within
    `wait` seconds. A slower check keeps running in the background and shows next time:
    dockerd's inspect and list never block on a healthcheck either."""
    if not health_due(raw, time.time()):
        return False
    ident = str(raw.get("Id", ""))
    task = _inflight.get(ident)
    if task is None or task.done():
        hc = (raw.get("Config") or {}).get("Healthcheck") or {}
        timeout = _seconds(hc.get("Timeout"), _DEFAULT_TIMEOUT)
        task = asyncio.ensure_future(_run(podman, service, ident, timeout))
        _inflight[ident] = task
        task.add_done_callback(lambda _t: _inflight.pop(ident, None))
    try:
        await asyncio.wait_for(asyncio.shield(task), wait)
    except TimeoutError:
        return False
    return True
