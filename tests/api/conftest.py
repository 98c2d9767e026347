from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from dockershim.api.app import create_app
from tests.fakes import FakePodman, fixture_json


@pytest.fixture
def fake_podman(tmp_path: object) -> FakePodman:
    fake = FakePodman()
    fake.answer(["version"], fixture_json("version.json"))
    fake.answer(["info"], fixture_json("info.json"))
    return fake


@pytest.fixture
async def api(fake_podman: FakePodman, tmp_path: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fake_podman, state_dir=str(tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://docker") as client:
        yield client
