"""engine/health.py: a due healthcheck runs in podman's service child when it runs (at most
_IN_SERVICE at once), else as a `podman healthcheck run` process; one run per container."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dockershim.engine import health
from tests.fakes import FakePodman


class _Service:
    """The service child's surface health.py uses; each call waits for `release`."""

    def __init__(self, *, ready: bool = True, answers: bool = True) -> None:
        self.ready = ready
        self.answers = answers
        self.calls: list[tuple[str, str]] = []
        self.release = asyncio.Event()

    async def call(self, method: str, path: str, **kwargs: Any) -> object | None:
        self.calls.append((method, path))
        await self.release.wait()
        return object() if self.answers else None


def _due(ident: str) -> dict[str, Any]:
    return {
        "Id": ident,
        "Config": {"Healthcheck": {"Test": ["CMD", "true"], "Interval": 10**9}},
        "State": {"Status": "running", "StartedAt": "2026-12-07T00:00:00Z"},
    }


@pytest.mark.asyncio
async def test_checks_run_in_the_service_child_then_as_processes() -> None:
    podman = FakePodman()
    podman.answer(["healthcheck", "run"], "healthy")
    service = _Service()
    ids = [f"{i:064x}" for i in range(health._IN_SERVICE + 2)]
    runs = [
        asyncio.ensure_future(health.refresh_health(podman, _due(i), 5, service))  # type: ignore[arg-type]
        for i in ids
    ]
    await asyncio.sleep(0.05)
    assert service.calls == [("GET", f"/containers/{i}/healthcheck") for i in ids[:4]]
    assert podman.calls == [["healthcheck", "run", "--", i] for i in ids[4:]]
    service.release.set()
    assert await asyncio.gather(*runs) == [True] * len(ids)
    assert health._in_service == set()


@pytest.mark.asyncio
@pytest.mark.parametrize("service", [_Service(ready=False), _Service(answers=False), None])
async def test_without_the_child_a_process_runs_the_check(service: _Service | None) -> None:
    if service is not None:
        service.release.set()
    podman = FakePodman()
    podman.answer(["healthcheck", "run"], "healthy")
    ident = "f" * 64
    assert await health.refresh_health(podman, _due(ident), 5, service)  # type: ignore[arg-type]
    assert podman.calls == [["healthcheck", "run", "--", ident]]
