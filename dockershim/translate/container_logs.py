"""Logs query -> `podman logs` argv, and Docker's timestamp forms (pure)."""

from __future__ import annotations

import datetime
import math
import re

from dockershim.errors import InvalidParameter
from dockershim.translate.container_status import parse_time
from dockershim.translate.validate import digits

_DURATION = re.compile(r"^(?:([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h))+$")
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _finite(seconds: float, field: str, value: str) -> float:
    if not math.isfinite(seconds):
        raise InvalidParameter(f"invalid value for {field}: {value!r} (out of range)")
    return seconds


def parse_timestamp(value: str, field: str, *, now: float) -> float:
    """Docker's `since`/`until`/`until` filter: unix seconds[.nanos], RFC 3339, or a Go
    duration before now ("10m")."""
    text = value.strip()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text):
        return _finite(float(text), field, value)
    if _DURATION.match(text):
        return _finite(
            now - sum(float(n) * _UNITS[u] for n, u in _PART.findall(text)), field, value
        )
    parsed = parse_time(text)
    if parsed is None and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        parsed = parse_time(f"{text}T00:00:00Z")
    if parsed is None:
        raise InvalidParameter(f"invalid value for {field}: {value!r}")
    return parsed


_STAMP = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def timestamp_ns(value: str, field: str, *, now: float) -> int:
    """Like parse_timestamp, in integer nanoseconds (no float rounding of the client's value)."""
    text = value.strip()
    match = re.fullmatch(r"([0-9]+)(?:\.([0-9]{1,9}))?", text)
    if match:
        return int(match[1]) * 10**9 + int((match[2] or "").ljust(9, "0"))
    match = _STAMP.match(text)
    if match:
        zone = "+00:00" if match[3] == "Z" else match[3]
        try:
            base = datetime.datetime.fromisoformat(match[1] + zone).timestamp()
        except ValueError as exc:
            raise InvalidParameter(f"invalid value for {field}: {value!r} ({exc})") from None
        return int(base) * 10**9 + int((match[2] or "").ljust(9, "0"))
    return int(parse_timestamp(text, field, now=now) * 1e9)


_LAST_SECOND = int(datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC).timestamp())


def rfc3339(ns: int) -> str:
    # Clamped: a client may ask for logs since the year 3 million (dockerd answers nothing).
    ns = min(max(ns, 0), _LAST_SECOND * 10**9)
    moment = datetime.datetime.fromtimestamp(ns // 10**9, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9:09d}Z"


def logs_argv(
    ident: str,
    *,
    follow: bool = False,
    tail: str = "all",
    since: int = 0,
    until: int = 0,
    timestamps: bool = False,
) -> list[str]:
    """`podman logs` of a Docker logs window; by default the whole log, as attach's `logs=1`
    replays it before the live stream (`follow`: and the live output too)."""
    argv = ["logs"]
    if follow:
        argv.append("--follow")
    if tail and tail != "all":
        if not digits(tail.lstrip("-")):
            raise InvalidParameter(f"invalid value for tail: {tail!r}")
        if int(tail) >= 0:
            argv += ["--tail", str(int(tail))]
    # Docker's bounds are inclusive, podman's exclusive: widen each by a nanosecond.
    if since > 0:
        argv += ["--since", rfc3339(since - 1)]
    if until > 0:
        argv += ["--until", rfc3339(until + 1)]
    if timestamps:
        argv.append("--timestamps")
    return [*argv, "--", ident]


_PODMAN_TS = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d:\d\d|Z) ")


def docker_timestamp_line(line: bytes) -> bytes:
    """podman's `2026-01-02T03:04:05.123456789+00:00 text` -> Docker's `...Z text` (UTC)."""
    match = _PODMAN_TS.match(line)
    if not match or match[2] in (b"Z", b"+00:00", b"-00:00"):
        return line if not match else match[1] + b"Z " + line[match.end() :]
    parsed = parse_time((match[1] + match[2]).decode())
    if parsed is None:
        return line
    frac = match[1].split(b".")[1] if b"." in match[1] else b""
    base = datetime.datetime.fromtimestamp(int(parsed), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    stamp = base.encode() + (b"." + frac if frac else b"") + b"Z "
    return stamp + line[match.end() :]
