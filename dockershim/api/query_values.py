"""Docker's query values, parsed with dockerd's rules (FastAPI-free: the cold reads of
api/lazyapp.py use them before FastAPI is imported; api/queries.py declares the parameters)."""

from __future__ import annotations

from dockershim.errors import InvalidParameter


def flag(raw: str | None, default: bool = False) -> bool:
    """Docker's boolean query values: 1/true/True are true, 0/false/"" false."""
    if raw is None:
        return default
    return raw.strip().lower() not in ("", "0", "false", "no")


def number(raw: str | None, name: str, default: int | None = None) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidParameter(f"invalid value for {name}: {raw!r}") from None
