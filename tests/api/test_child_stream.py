"""A streamed podman child that fails part way (export, cp out, image save): the answer must
end unfinished, so the client sees an error, never a clean but short tar.

A real uvicorn server with our h11 protocol serves the app; the child is a real process (a
shell standing in for `podman export`) that writes part of its output and then fails.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from dockershim.api.app import create_app
from dockershim.engine.child import CutShort, output_chunks
from dockershim.podman import PodmanRunner
from dockershim.podman.runner import SpawnedProcess
from dockershim.server.protocol import HijackableH11Protocol
from dockershim.server.service import ActivityRegistry
from tests.fakes import FakePodman, fixture_json

pytestmark = pytest.mark.timeout(60)
SIZE = 300_000
FAILS = f"head -c {SIZE} /dev/zero; echo 'Error: reading layer: disk on fire' >&2; exit 125"
SUCCEEDS = f"head -c {SIZE} /dev/zero"


async def test_output_chunks_raises_after_the_output_when_the_child_fails() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", FAILS])
    got = 0
    with pytest.raises(CutShort, match="disk on fire"):
        async for chunk in output_chunks(child, 65536):
            got += len(chunk)
    assert got == SIZE  # everything the child wrote came first
    await child.close()


async def test_output_chunks_ends_cleanly_when_the_child_succeeds() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", SUCCEEDS])
    assert sum([len(c) async for c in output_chunks(child, 65536)]) == SIZE
    await child.close()


class ShellChildren(FakePodman):
    """Canned answers for quick calls; every streamed child is this shell script."""

    def __init__(self, script: str) -> None:
        super().__init__()
        self.script = script

    async def spawn(self, args: Sequence[str], **kwargs: Any) -> SpawnedProcess:
        self.calls.append(list(args))
        return await PodmanRunner("/bin/sh").spawn(["-c", self.script])


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Any]:
    tasks: list[tuple[uvicorn.Server, asyncio.Future[None]]] = []

    async def start(script: str) -> httpx.AsyncClient:
        podman = ShellChildren(script)
        podman.answer(["version"], fixture_json("version.json"))
        info = fixture_json("info.json")
        info["store"]["graphRoot"] = str(tmp_path / "containers" / "storage")
        podman.answer(["info"], info)
        podman.answer(["container", "inspect"], fixture_json("container_inspect_running.json"))
        podman.answer(["image", "inspect"], fixture_json("image-inspect-busybox.json"))
        path = str(tmp_path / f"s{len(tasks)}.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        protocol = type("P", (HijackableH11Protocol,), {"registry": ActivityRegistry()})
        app = create_app(podman, state_dir=str(tmp_path))
        config = uvicorn.Config(app, http=protocol, lifespan="off", log_level="critical")
        server = uvicorn.Server(config)
        tasks.append((server, asyncio.ensure_future(server.serve(sockets=[sock]))))
        while not server.started:
            await asyncio.sleep(0.01)
        transport = httpx.AsyncHTTPTransport(uds=path)
        return httpx.AsyncClient(transport=transport, base_url="http://docker", timeout=30)

    yield start
    for server, task in tasks:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


async def read_all(client: httpx.AsyncClient, path: str) -> tuple[int, int]:
    got = 0
    async with client.stream("GET", path) as response:
        async for chunk in response.aiter_raw():
            got += len(chunk)
    return response.status_code, got


@pytest.mark.parametrize("path", ["/containers/c1/export", "/images/busybox/get"])
async def test_a_child_failing_part_way_cuts_the_answer_short(serve: Any, path: str) -> None:
    client = await serve(FAILS)
    async with client:
        with pytest.raises(httpx.RemoteProtocolError):
            await read_all(client, path)


@pytest.mark.parametrize("path", ["/containers/c1/export", "/images/busybox/get"])
async def test_a_child_that_succeeds_gives_the_whole_answer(serve: Any, path: str) -> None:
    client = await serve(SUCCEEDS)
    async with client:
        assert await read_all(client, path) == (200, SIZE)
