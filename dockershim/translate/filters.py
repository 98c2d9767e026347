"""Docker's `filters` query parameter: JSON `{"key": ["v1", "v2"]}` or the legacy
`{"key": {"v1": true}}` form. Values of one key are OR-ed, different keys AND-ed (dockerd)."""

from __future__ import annotations

from collections.abc import Iterable

from dockershim.errors import InvalidParameter
from dockershim.translate.validate import loads

Filters = dict[str, list[str]]


def parse_filters(raw: str | None, allowed: Iterable[str] | None = None) -> Filters:
    if not raw:
        return {}
    data = loads(raw, "filter")
    if not isinstance(data, dict):
        raise InvalidParameter("invalid filter: expected a JSON object")
    result: Filters = {}
    for key, value in data.items():
        if isinstance(value, dict):
            values = [str(k) for k, on in value.items() if on]
        elif isinstance(value, list):
            values = [str(v) for v in value]
        elif isinstance(value, str):
            values = [value]
        else:
            raise InvalidParameter(f"invalid filter '{key}'")
        result[str(key)] = values
    if allowed is not None:
        known = set(allowed)
        for key in result:
            if key not in known:
                raise InvalidParameter(f"invalid filter '{key}'")
    return result


def label_matches(labels: dict[str, str] | None, wanted: str) -> bool:
    """`key` or `key=value` against a label map, as dockerd's label filter."""
    labels = labels or {}
    key, sep, value = wanted.partition("=")
    if key not in labels:
        return False
    return not sep or labels[key] == value
