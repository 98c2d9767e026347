"""Container changes through podman's service child or the CLI (engine/changes.py): the same
change as a libpod request and as CLI options, and libpod's answers read as the CLI's."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from dockershim.engine.batches import Batches
from dockershim.engine.changes import Change, Changes, completed
from dockershim.errors import Conflict, NotFound
from dockershim.podman.errors import classify
from dockershim.podman.service_child import ServiceAnswer
from tests.fakes import FakePodman

CID = "a" * 64


@pytest.mark.parametrize(
    ("change", "argv", "request_"),
    [
        (Change("start", CID), ["start"], ("POST", f"/containers/{CID}/start", {})),
        (Change("stop", CID), ["stop"], ("POST", f"/containers/{CID}/stop", {})),
        (
            Change("stop", CID, timeout=0),
            ["stop", "--time", "0"],
            ("POST", f"/containers/{CID}/stop", {"timeout": "0"}),
        ),
        (
            Change("kill", CID, signal="SIGUSR1"),
            ["kill", "--signal", "SIGUSR1"],
            ("POST", f"/containers/{CID}/kill", {"signal": "SIGUSR1"}),
        ),
        (
            Change("restart", CID, timeout=2),
            ["restart", "--time", "2"],
            ("POST", f"/containers/{CID}/restart", {"timeout": "2"}),
        ),
        (Change("rm", CID), ["rm"], ("DELETE", f"/containers/{CID}", {})),
        (
            Change("rm", CID, force=True, volumes=True),
            ["rm", "--force", "--time", "0", "--volumes"],
            ("DELETE", f"/containers/{CID}", {"force": "true", "timeout": "0", "volumes": "true"}),
        ),
    ],
)
def test_a_change_as_cli_options_and_as_a_libpod_request(
    change: Change, argv: list[str], request_: tuple[str, str, dict[str, str]]
) -> None:
    assert change.cli_args() == argv
    assert change.request() == request_


def _answer(status: int, body: Any = None) -> ServiceAnswer:
    return ServiceAnswer(status, b"" if body is None else json.dumps(body).encode())


def test_done_and_already_done_are_success() -> None:
    for verb, status in [("start", 204), ("start", 304), ("stop", 204), ("stop", 304)]:
        result = completed(Change(verb, CID), _answer(status))  # type: ignore[arg-type]
        assert result.returncode == 0 and result.text == f"{CID}\n"
    removed = completed(Change("rm", CID), _answer(200, [{"Id": CID, "RawInput": CID}]))
    assert removed.returncode == 0


def test_libpod_errors_read_as_the_cli_prints_them() -> None:
    gone = _answer(
        404,
        {
            "cause": "no such container",
            "message": 'no container with name or ID "x" found: no such container',
            "response": 404,
        },
    )
    result = completed(Change("stop", CID), gone)
    assert result.returncode != 0
    assert result.err_text.startswith("Error: no container with name or ID")
    assert isinstance(classify(result.err_text, result.returncode), NotFound)
    improper = _answer(
        500,
        {
            "cause": "container state improper",
            "message": f"can only kill running containers. {CID} is in state exited: "
            "container state improper",
            "response": 500,
        },
    )
    assert isinstance(
        classify(completed(Change("kill", CID, signal="TERM"), improper).err_text), Conflict
    )
    # rm answers 200 with one report per container; a failure is in its "Err"
    failed = completed(Change("rm", CID), _answer(200, [{"Id": CID, "Err": "it is busy"}]))
    assert failed.returncode != 0 and failed.err_text == "Error: it is busy\n"
    unreadable = completed(Change("start", CID), ServiceAnswer(500, b"oops"))
    assert unreadable.err_text == "Error: oops\n"


class _Service:
    """A service child that answers as told, or is not there (None)."""

    def __init__(self, answer: ServiceAnswer | None, delay: float = 0.0) -> None:
        self.answer = answer
        self.delay = delay
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def want(self) -> None:
        pass

    async def call(
        self, method: str, path: str, params: dict[str, str] | None = None, body: Any = None,
        *, timeout: float, repeatable: bool = True,
    ) -> ServiceAnswer | None:  # fmt: skip
        self.calls.append((method, path, params or {}))
        await asyncio.sleep(self.delay)
        return self.answer


async def test_without_the_service_the_change_runs_as_a_podman_process() -> None:
    podman = FakePodman()
    podman.answer(["stop"], f"{CID}\n")
    service = _Service(None)
    changes = Changes(Batches(podman), service)  # type: ignore[arg-type]
    done = await changes.run(Change("stop", CID, timeout=3))
    assert done.result.returncode == 0
    assert service.calls == [("POST", f"/containers/{CID}/stop", {"timeout": "3"})]
    assert podman.calls == [["stop", "--time", "3", "--", CID]]


async def test_through_the_service_no_process_runs() -> None:
    podman = FakePodman()
    changes = Changes(Batches(podman), _Service(_answer(204)))  # type: ignore[arg-type]
    done = await changes.run(Change("start", CID))
    assert done.result.returncode == 0 and not done.together
    assert podman.calls == []


async def test_starts_that_overlap_are_told_together() -> None:
    changes = Changes(Batches(FakePodman()), _Service(_answer(204), delay=0.05))  # type: ignore[arg-type]
    first = asyncio.create_task(changes.run(Change("start", "1" * 64)))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(changes.run(Change("start", "2" * 64)))
    assert (await first).together and (await second).together
    alone = await changes.run(Change("start", "3" * 64))
    assert not alone.together


async def test_a_create_reads_as_podman_creates_output() -> None:
    spec = {"image": "busybox", "name": "web"}
    made = Changes(Batches(FakePodman()), _Service(_answer(201, {"Id": CID, "Warnings": []})))  # type: ignore[arg-type]
    result = await made.create(spec)
    assert result is not None and result.returncode == 0 and result.text == f"{CID}\n"
    taken = _answer(
        500,
        {
            "cause": "that name is already in use",
            "message": f'the container name "web" is already in use by {CID}. You have to '
            "remove that container to be able to reuse that name: that name is already in use",
            "response": 500,
        },
    )
    refused = await Changes(Batches(FakePodman()), _Service(taken)).create(spec)  # type: ignore[arg-type]
    assert refused is not None and refused.returncode != 0
    assert isinstance(classify(refused.err_text, refused.returncode), Conflict)
    assert await Changes(Batches(FakePodman()), _Service(None)).create(spec) is None  # type: ignore[arg-type]


async def test_two_starts_of_one_container_at_once_both_answer() -> None:
    changes = Changes(Batches(FakePodman()), _Service(_answer(204), delay=0.05))  # type: ignore[arg-type]
    first, second = await asyncio.gather(
        changes.run(Change("start", CID)), changes.run(Change("start", CID))
    )
    assert first.result.returncode == 0 and second.result.returncode == 0
    assert first.together and second.together and changes.starts_under_way() == 0


def test_a_libpod_failure_is_its_status_or_a_reports_err() -> None:
    """ServiceAnswer.failure, which network and image removals read too."""
    assert _answer(200, [{"Name": "n1", "Err": None}]).failure((200,)) == ""
    assert _answer(200, [{"Name": "n1", "Err": "network is in use"}]).failure((200,)) == (
        "network is in use"
    )
    missing = _answer(404, {"message": "unable to find network with name or ID n2"})
    assert missing.failure((200,)) == "unable to find network with name or ID n2"
    assert _answer(204).failure((204, 304)) == ""
    # an image removal (engine/image_ops.py) reports its failures in "Errors"
    removed = {"Untagged": ["localhost/x:1"], "Deleted": ["ab"], "Errors": [], "ExitCode": 0}
    assert _answer(200, removed).failure((200,)) == ""
    used = {"Errors": ["image used by 1234: image is in use by a container"], "ExitCode": 2}
    assert _answer(200, used).failure((200,)) == (
        "image used by 1234: image is in use by a container"
    )
