"""Container states and status texts as Docker shows them."""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"
_FRACTION = re.compile(r"(\.\d{1,6})\d*")

# podman state -> Docker's enum (created, running, paused, restarting, removing, exited, dead)
_STATES = {
    "configured": "created",
    "created": "created",
    "initialized": "created",
    "running": "running",
    "stopping": "running",
    "paused": "paused",
    "stopped": "exited",
    "exited": "exited",
    "removing": "removing",
    "unknown": "dead",
}


def docker_state(podman_state: str, restarting: bool = False) -> str:
    if restarting:
        return "restarting"
    return _STATES.get((podman_state or "").lower(), "dead")


@functools.lru_cache(maxsize=4096)  # the same few times each list (created, started, finished)
def parse_time(text: str | None) -> float | None:
    """RFC 3339 (nanoseconds) -> unix seconds; None for Go's zero time or junk."""
    if not text or text.startswith("0001-01-01"):
        return None
    cleaned = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    # podman sometimes prints Go's "2006-01-02 15:04:05.999 -0700 MST" form
    match = re.match(r"^(\S+) (\S+) ([+-]\d{4})(?: \S+)?$", cleaned)
    if match:
        cleaned = f"{match[1]}T{match[2]}{match[3][:3]}:{match[3][3:]}"
    try:
        return datetime.datetime.fromisoformat(cleaned).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """go-units HumanDuration, which `docker ps` shows."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def status_text(state: dict[str, Any], now: float) -> str:
    """Docker's State.String(): "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago", ..."""
    status = docker_state(str(state.get("Status", "")), bool(state.get("Restarting")))
    started = parse_time(state.get("StartedAt"))
    finished = parse_time(state.get("FinishedAt"))
    if status in ("running", "paused"):
        text = f"Up {human_duration(now - started)}" if started else "Up"
        if status == "paused":
            return f"{text} (Paused)"
        health = (state.get("Health") or {}).get("Status") or ""
        if health == "starting":
            return f"{text} (health: starting)"
        if health in ("healthy", "unhealthy"):
            return f"{text} ({health})"
        return text
    if status == "restarting":
        ago = human_duration(now - finished) if finished else "Less than a second"
        return f"Restarting ({state.get('ExitCode', 0)}) {ago} ago"
    if status == "removing":
        return "Removal In Progress"
    if status == "dead":
        return "Dead"
    if status == "created" or not started:
        return "Created"
    ago = human_duration(now - finished) if finished else "Less than a second"
    return f"Exited ({state.get('ExitCode', 0)}) {ago} ago"
