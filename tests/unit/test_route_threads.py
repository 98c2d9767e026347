"""No route hands work to FastAPI's worker threads: a plain `def` endpoint or dependency runs
in one (anyio's pool), and each such hop cost a request 0.1-0.3 ms of waking threads and the
event loop; a container start went through 4-5 of them (bench/mutation_steps.py)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant

from dockershim.openapi.served import served_routes


def _calls(dependant: Dependant) -> Iterator[object]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def test_every_endpoint_and_dependency_runs_on_the_event_loop() -> None:
    threaded = sorted(
        f"{route.path} {getattr(call, '__name__', call)}"
        for route in served_routes()
        for call in _calls(route.dependant)
        if not inspect.iscoroutinefunction(call)
    )
    assert threaded == []
    assert len(served_routes()) > 100  # the routes were really walked
