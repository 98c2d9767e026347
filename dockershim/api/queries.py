"""Query parameters as routes declare them, parsed with Docker's rules.

Declared as strings (`str | None`) on purpose: Docker's booleans and integers are looser than
FastAPI's (`1`, `True`, `yes`, an empty value...) and a bad integer is answered with dockerd's
message, so the declaration documents the parameter (openapi/) and `flag`/`number` parse it
exactly as api/deps.py's query_bool/query_int always have (api/query_values.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

# parsed in api/query_values.py (FastAPI-free); the routes import both from here
from dockershim.api.query_values import flag as flag
from dockershim.api.query_values import number as number

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
