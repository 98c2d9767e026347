"""Prune filters shared by networks and volumes (pure): `label`, `label!`, `until`.

`label=k` / `label=k=v` keep objects carrying the label; `label!=k` / `label!=k=v` keep objects
without it. `until` takes a Unix timestamp, an RFC 3339 date, or a Go duration (`10m`, `1h30m`)
relative to `now`, as dockerd does.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from dockershim.errors import InvalidParameter
from dockershim.translate.filters import Filters, label_matches

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def prune_label_matches(labels: Mapping[str, str] | None, filters: Filters) -> bool:
    if not all(label_matches(dict(labels or {}), v) for v in filters.get("label", [])):
        return False
    return not any(label_matches(dict(labels or {}), v) for v in filters.get("label!", []))


def parse_time(value: str) -> datetime.datetime | None:
    """podman's/Docker's timestamps (nanosecond RFC 3339) as an aware datetime."""
    if not value or value.startswith("0001-01-01"):
        return None
    text = value.strip().replace("Z", "+00:00")
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if match:
        frac = (match[2] or "")[:7]
        text = f"{match[1]}{frac}{match[3]}"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def parse_until(value: str, now: datetime.datetime) -> datetime.datetime:
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return datetime.datetime.fromtimestamp(float(text), datetime.UTC)
    if re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+", text):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(text))
        return now - datetime.timedelta(seconds=seconds)
    parsed = parse_time(text if "T" in text else f"{text}T00:00:00")
    if parsed is None:
        raise InvalidParameter(f"invalid filter 'until={value}'")
    return parsed


def until_matches(created: str, filters: Filters, now: datetime.datetime | None = None) -> bool:
    values = filters.get("until", [])
    if not values:
        return True
    if len(values) > 1:
        raise InvalidParameter("more than one until filter specified")
    limit = parse_until(values[0], now or datetime.datetime.now(datetime.UTC))
    when = parse_time(created)
    return when is not None and when < limit
