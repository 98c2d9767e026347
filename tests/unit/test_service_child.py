"""The service child's own rules (podman/service_child.py), against a stand-in that answers on
the socket as told: ready only once it answers, a request it never answers is an error and
the child is replaced, one it drops halfway is done again by the CLI unless it is a create.
(The real `podman system service` is tested in tests/integration/test_service_child.py.)"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dockershim.errors import DockerError
from dockershim.podman import PodmanRunner, SpawnedProcess, service_child
from dockershim.podman.service_child import PodmanService

# A stand-in for `podman system service`: /_ping answers; /ok answers 204; /hang never
# answers; /drop closes the connection without an answer.
STAND_IN = textwrap.dedent(
    """
    import asyncio, sys

    async def serve(reader, writer):
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        path = head.split(b" ")[1]
        if path.endswith(b"/hang"):
            await asyncio.sleep(3600)
        if path.endswith(b"/drop"):
            writer.close()
            return
        status = b"200 OK" if path.endswith(b"/_ping") else b"204 No Content"
        writer.write(b"HTTP/1.1 " + status + b"\\r\\nContent-Length: 0\\r\\n\\r\\n")
        await writer.drain()
        writer.close()

    async def main():
        sock = sys.argv[-1].removeprefix("unix://")
        server = await asyncio.start_unix_server(serve, sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
    """
)


class StandInRunner(PodmanRunner):
    def __init__(self, script: Path) -> None:
        super().__init__(sys.executable)
        self.script = script
        self.spawned: list[list[str]] = []

    async def spawn(self, args: Sequence[str], **kwargs: Any) -> SpawnedProcess:
        self.spawned.append(list(args))
        process = await asyncio.create_subprocess_exec(sys.executable, str(self.script), *args)
        return SpawnedProcess(process, list(args))


@pytest.fixture
async def service(tmp_path: Path) -> Any:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    child = PodmanService(StandInRunner(script), str(tmp_path / "state"))
    yield child
    await child.close()


async def _ready(service: PodmanService) -> None:
    service.want()
    for _ in range(200):
        if service.ready:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the stand-in never became ready")


async def test_a_call_starts_the_child_and_waits_for_it(service: PodmanService) -> None:
    answer = await service.call("POST", "/ok", timeout=5)  # starts it, and waits a little
    assert answer is not None and answer.status == 204 and service.ready
    runner = service.runner
    assert isinstance(runner, StandInRunner) and len(runner.spawned) == 1
    assert runner.spawned[0][:3] == ["system", "service", "--time=0"]
    sock = runner.spawned[0][3].removeprefix("unix://")
    assert Path(sock).parent.stat().st_mode & 0o777 == 0o700


async def test_a_change_is_made_by_the_child_or_left_to_the_cli(service: PodmanService) -> None:
    """change(): False (the caller runs the command) while the child does not run, without
    starting it; True once made; an answer not in `done` raised as podman's failure."""
    assert not await service.change("POST", "/ok", (204,), timeout=5)
    assert not service.ready and not service.runner.spawned  # type: ignore[attr-defined]
    await _ready(service)
    assert await service.change("POST", "/ok", (204,), timeout=5)
    with pytest.raises(DockerError):
        await service.change("POST", "/ok", (200,), timeout=5)


async def test_a_read_only_podman_computes_starts_the_child_for_the_next_one(
    service: PodmanService,
) -> None:
    """ready_else_want: not ready the first time (that read is a process), never waits, and
    the child it started answers the reads after it."""
    assert not service.ready_else_want()
    runner = service.runner
    assert isinstance(runner, StandInRunner)
    for _ in range(200):
        if service.ready_else_want():
            break
        await asyncio.sleep(0.02)
    assert service.ready and len(runner.spawned) == 1


async def test_a_child_slower_than_the_wait_means_the_cli_meanwhile(
    service: PodmanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_child, "_WAIT_FOR_START", 0.0)
    assert await service.call("POST", "/ok", timeout=5) is None  # starts it in the background
    await _ready(service)
    answer = await service.call("POST", "/ok", timeout=5)
    assert answer is not None and answer.status == 204


async def test_an_unanswered_request_is_an_error_and_the_child_is_replaced(
    service: PodmanService,
) -> None:
    await _ready(service)
    with pytest.raises(DockerError, match="did not answer"):
        await service.call("POST", "/hang", timeout=0.3)
    assert not service.ready  # dropped; the next one comes after a pause, not at once
    assert await service.call("POST", "/ok", timeout=5) is None


async def test_a_dropped_request_is_redone_by_the_cli_unless_it_was_a_create(
    service: PodmanService,
) -> None:
    await _ready(service)
    assert await service.call("POST", "/drop", timeout=5) is None
    service._failed_at = -1e9  # let it start again at once (it waits 30 s after a failure)
    await _ready(service)
    with pytest.raises(DockerError, match="ended before it answered"):
        await service.call("POST", "/drop", timeout=5, repeatable=False)


async def test_without_a_state_folder_no_child_is_started(tmp_path: Path) -> None:
    runner = StandInRunner(tmp_path / "unused.py")
    service = PodmanService(runner, None)
    assert await service.call("POST", "/ok", timeout=5) is None
    await asyncio.sleep(0.05)
    assert runner.spawned == [] and not service.ready
