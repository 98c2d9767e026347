from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dockershim.api.app import create_app
from tests.fakes import FakePodman, fixture_json


@pytest.fixture
def fake_podman(tmp_path: Path) -> FakePodman:
    fake = FakePodman()
    fake.answer(["version"], fixture_json("version.json"))
    info = fixture_json("info.json")
    # podman's state files are not faked: point the engine at an empty store, so that every
    # read goes to the fake CLI (and never to the real test user's storage)
    info["store"]["graphRoot"] = str(tmp_path / "containers" / "storage")
    fake.answer(["info"], info)
    return fake


@pytest.fixture
async def api(fake_podman: FakePodman, tmp_path: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fake_podman, state_dir=str(tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://docker") as client:
        yield client
