"""Logs query -> `podman logs` argv, and Docker's timestamp forms (pure)."""

from __future__ import annotations

import datetime
import re

from dockershim.errors import InvalidParameter
from dockershim.translate.container_status import parse_time

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_timestamp(value: str, field: str, *, now: float) -> float:
    """Docker's `since`/`until`/`until` filter: unix seconds[.nanos], RFC 3339, or a Go
    duration before now ("10m")."""
    text = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if _DURATION.match(text):
        return now - sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    parsed = parse_time(text)
    if parsed is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        parsed = parse_time(f"{text}T00:00:00Z")
    if parsed is None:
        raise InvalidParameter(f"invalid value for {field}: {value!r}")
    return parsed


def rfc3339(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def logs_argv(
    ident: str,
    *,
    follow: bool,
    tail: str,
    since: float,
    until: float,
    timestamps: bool,
) -> list[str]:
    argv = ["logs"]
    if follow:
        argv.append("--follow")
    if tail and tail != "all":
        if not tail.lstrip("-").isdigit():
            raise InvalidParameter(f"invalid value for tail: {tail!r}")
        if int(tail) >= 0:
            argv += ["--tail", str(int(tail))]
    if since > 0:
        argv += ["--since", rfc3339(since)]
    if until > 0:
        argv += ["--until", rfc3339(until)]
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
