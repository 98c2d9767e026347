"""Docker's wait conditions answered from looks at podman's state (engine/waits.py)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

from dockershim.engine.containers import ContainerRef
from dockershim.engine.waits import Waiter, _Watch
from dockershim.podman.libpod_state import STATUS_NAMES, ContainerRecord, Snapshot
from tests.fakes import FakePodman

SINCE = 1_800_000_000.0  # the wait began here
BEFORE, AFTER = "2027-01-15T07:59:00Z", "2027-01-15T08:01:00Z"  # around SINCE
ID = "c" * 64


def _snap(tmp_path: Path, status: str | None, code: int = 0, **state: object) -> Snapshot:
    containers = {}
    if status is not None:
        body = {"state": STATUS_NAMES.index(status), "exitCode": code, **state}
        containers[ID] = ContainerRecord(
            ID, "c", status, "", b"", json.dumps(body).encode(), exit_code=code
        )
    return Snapshot(containers, {"c": ID} if containers else {}, {}, str(tmp_path))


def _watch(condition: str, status: str, code: int = 0) -> _Watch:
    return _Watch(ContainerRef(ID, "c", status, code), condition, SINCE)


def test_next_exit_of_a_container_started_after_the_wait(tmp_path: Path) -> None:
    watch = _watch("next-exit", "created")
    assert watch.look(_snap(tmp_path, "created")) is None
    assert watch.look(_snap(tmp_path, "running")) is None
    assert watch.look(_snap(tmp_path, "exited", 4, finishedTime=AFTER)) == 4


def test_next_exit_seen_only_as_its_stored_finish(tmp_path: Path) -> None:
    """Started and exited between two looks: the finish time tells it is a new exit."""
    watch = _watch("next-exit", "exited", 1)
    assert watch.look(_snap(tmp_path, "exited", 1, finishedTime=BEFORE)) is None
    assert watch.look(_snap(tmp_path, "exited", 6, finishedTime=AFTER)) == 6


def test_an_exit_file_answers_before_the_database(tmp_path: Path) -> None:
    (tmp_path / "exits").mkdir()
    (tmp_path / "exits" / ID).write_text("9")
    watch = _watch("not-running", "running")
    assert watch.look(_snap(tmp_path, "running")) == 9


def test_an_exit_file_being_written_is_read_next_time(tmp_path: Path) -> None:
    (tmp_path / "exits").mkdir()
    (tmp_path / "exits" / ID).write_text("")
    watch = _watch("next-exit", "running")
    assert watch.look(_snap(tmp_path, "running")) is None


def test_not_running_after_a_stop(tmp_path: Path) -> None:
    watch = _watch("not-running", "running")
    assert watch.look(_snap(tmp_path, "running")) is None
    assert watch.look(_snap(tmp_path, "stopped", 137, finishedTime=AFTER)) == 137


def test_a_restart_policy_restart_is_an_exit(tmp_path: Path) -> None:
    watch = _watch("next-exit", "running")
    assert watch.look(_snap(tmp_path, "running", 0, restartCount=0)) is None
    assert watch.look(_snap(tmp_path, "running", 3, restartCount=1)) == 3


def test_removed_answers_with_the_exit_it_saw(tmp_path: Path) -> None:
    watch = _watch("removed", "created")
    assert watch.look(_snap(tmp_path, "running")) is None
    assert watch.look(_snap(tmp_path, "exited", 2, finishedTime=AFTER)) is None  # not yet gone
    assert watch.look(_snap(tmp_path, None)) == 2
    assert not watch.gone


def test_removed_before_its_exit_was_seen_asks_podman(tmp_path: Path) -> None:
    watch = _watch("removed", "created")
    assert watch.look(_snap(tmp_path, "running")) is None
    assert watch.look(_snap(tmp_path, None)) is None
    assert watch.gone


def test_a_container_removed_while_waiting_for_its_exit(tmp_path: Path) -> None:
    watch = _watch("next-exit", "exited", 5)
    assert watch.look(_snap(tmp_path, None)) == 5


class _States:
    """Containers.snapshot/recent_snapshot over a scripted list of looks."""

    def __init__(self, looks: list[Snapshot]) -> None:
        self.looks = looks

    async def snapshot(self) -> Snapshot:
        return self.looks[0] if len(self.looks) == 1 else self.looks.pop(0)

    async def recent_snapshot(self, _age: float) -> Snapshot:
        return await self.snapshot()


def _autoremoved(tmp_path: Path, status: str | None, code: int = 0) -> Snapshot:
    snap = _snap(tmp_path, status, code, finishedTime=AFTER)
    if status is not None:
        config = {"spec": {"annotations": {"io.podman.annotations.autoremove": "TRUE"}}}
        record = snap.containers[ID]
        snap.containers[ID] = dataclasses.replace(record, config=json.dumps(config).encode())
    return snap


async def test_a_removed_wait_removes_an_exited_auto_removed_container_once(
    tmp_path: Path,
) -> None:
    """`docker run --rm`: once its exit is seen, the wait removes it (through the callback)
    rather than wait for conmon's clean-up, and answers the exit code seen before."""
    removed: list[str] = []
    looks = [_autoremoved(tmp_path, "running"), _autoremoved(tmp_path, "exited", 5)]
    looks += [_autoremoved(tmp_path, "exited", 5), _autoremoved(tmp_path, None)]
    states = _States(looks)

    async def remove(ident: str) -> None:
        removed.append(ident)
        states.looks = [_autoremoved(tmp_path, None)]  # gone from the next look on

    waiter = Waiter(FakePodman(), states, remove)  # type: ignore[arg-type]
    since = datetime.datetime.fromtimestamp(SINCE, datetime.UTC)
    code = await waiter.wait(ContainerRef(ID, "c", "running", 0), "removed", since)
    assert (code, removed) == (5, [ID])


async def test_other_waits_and_containers_without_rm_are_not_removed(tmp_path: Path) -> None:
    removed: list[str] = []

    async def remove(ident: str) -> None:
        removed.append(ident)

    since = datetime.datetime.fromtimestamp(SINCE, datetime.UTC)
    ref = ContainerRef(ID, "c", "running", 0)
    looks = [_autoremoved(tmp_path, "running"), _autoremoved(tmp_path, "exited", 2)]
    waiter = Waiter(FakePodman(), _States(looks), remove)  # type: ignore[arg-type]
    assert await waiter.wait(ref, "next-exit", since) == 2
    plain = [_snap(tmp_path, "running"), _snap(tmp_path, "exited", 3, finishedTime=AFTER)]
    plain += [_snap(tmp_path, None)]
    waiter = Waiter(FakePodman(), _States(plain), remove)  # type: ignore[arg-type]
    assert await waiter.wait(ref, "removed", since) == 3
    assert removed == []
