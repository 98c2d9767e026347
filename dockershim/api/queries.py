"""Query parameters as routes declare them, parsed with Docker's rules.

Declared as strings (`str | None`) on purpose: Docker's booleans and integers are looser than
FastAPI's (`1`, `True`, `yes`, an empty value...) and a bad integer is answered with dockerd's
message, so the declaration documents the parameter (openapi/) and `flag`/`number` parse it
exactly as api/deps.py's query_bool/query_int always have.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from dockershim.errors import InvalidParameter

BOOL_DOC = "Docker boolean: 1/true/True (any value but 0/false/no/empty) is true"
INT_DOC = "integer"
TIME_DOC = "a UNIX timestamp (seconds[.nanoseconds]), an RFC 3339 time or a duration ago"
FILTERS_DOC = "JSON-encoded map[string][]string of filters"

Flag = Annotated[str | None, Query(description=BOOL_DOC)]
Number = Annotated[str | None, Query(description=INT_DOC)]
# the raw JSON; the route's `filters` is what parse_filters makes of it
FiltersJson = Annotated[str | None, Query(alias="filters", description=FILTERS_DOC)]
Text = Annotated[str | None, Query()]
Texts = Annotated[list[str] | None, Query()]


def named(alias: str, description: str | None = None) -> Any:
    """A query parameter whose name is no Python identifier (`one-shot`, `shared-size`)."""
    return Query(alias=alias, description=description)


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
