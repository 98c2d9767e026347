"""Prune filters shared by networks and volumes (pure): `label`, `label!`, `until`.

`label=k` / `label=k=v` keep objects carrying the label; `label!=k` / `label!=k=v` keep objects
without it. `until` takes a Unix timestamp, an RFC 3339 date, or a Go duration (`10m`, `1h30m`)
relative to `now`, as dockerd does.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from dockershim.errors import InvalidParameter
from dockershim.translate.container_logs import parse_timestamp
from dockershim.translate.container_status import parse_time
from dockershim.translate.filters import Filters, label_matches


def prune_label_matches(labels: Mapping[str, str] | None, filters: Filters) -> bool:
    if not all(label_matches(dict(labels or {}), v) for v in filters.get("label", [])):
        return False
    return not any(label_matches(dict(labels or {}), v) for v in filters.get("label!", []))


def parse_until(value: str, now: datetime.datetime) -> datetime.datetime:
    """An `until` filter value (container_logs.parse_timestamp's forms), as a UTC datetime."""
    try:
        seconds = parse_timestamp(value, "until", now=now.timestamp())
    except InvalidParameter:
        raise InvalidParameter(f"invalid filter 'until={value}'") from None
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def until_matches(created: str, filters: Filters, now: datetime.datetime | None = None) -> bool:
    values = filters.get("until", [])
    if not values:
        return True
    if len(values) > 1:
        raise InvalidParameter("more than one until filter specified")
    limit = parse_until(values[0], now or datetime.datetime.now(datetime.UTC))
    when = parse_time(created)
    return when is not None and when < limit.timestamp()
