"""Checks on client input that the standard library is too lenient or too fragile for.

`str.isdigit()` accepts "²" (which `int()` then refuses) and `int()` accepts "٣": Docker's
numbers are ASCII digits only. `json.loads` recurses once per nesting level and raises
RecursionError far down: bodies and `filters` are checked for depth first, cheaply.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from dockershim.errors import InvalidParameter

MAX_JSON_DEPTH = 100  # dockerd's decoder has a limit of its own too; real bodies nest < 10

_DIGITS = re.compile(r"[0-9]+")


def digits(value: str) -> bool:
    """True for a non-empty run of ASCII digits."""
    return _DIGITS.fullmatch(value) is not None


def json_depth_ok(raw: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest no deeper than `limit` (JSON need not be valid)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def loads(raw: str | bytes, what: str) -> Any:
    """json.loads for client input: too deep or invalid is a 400 naming `what`."""
    if not json_depth_ok(raw):
        raise InvalidParameter(f"invalid {what}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw, parse_constant=_constant, parse_float=_float)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidParameter(f"invalid {what}: {exc}") from None
    except _OutOfRange as exc:
        raise InvalidParameter(f"invalid {what}: number {exc} is out of range") from None


class _OutOfRange(ValueError):
    pass


def _constant(name: str) -> float:
    # NaN and Infinity are no JSON (Python accepts them, Go does not)
    raise _OutOfRange(name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise _OutOfRange(text)
    return value


def has_nul(data: Any) -> bool:
    """Whether a NUL byte is in any string (key or value) of parsed JSON (bounded depth)."""
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(has_nul(k) or has_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(has_nul(v) for v in data)
    return False
