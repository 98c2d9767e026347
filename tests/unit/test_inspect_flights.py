"""A look at a container joins the podman inspect already running for the same state (the
background one after a start, or another client's), and never one taken at another state."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from dockershim.engine.container_cli import InspectBatches
from dockershim.engine.containers import Containers
from tests.fakes import FakePodman
from tests.unit.test_libpod_state import _at, _ctr, _db, _inspect

A = "a" * 64


async def test_a_look_joins_the_inspect_of_the_same_state() -> None:
    calls: list[list[str]] = []
    release = asyncio.Event()

    async def inspect(ids: list[str]) -> list[dict[str, Any]]:
        calls.append(ids)
        await release.wait()
        return [{"Id": i, "Seen": len(calls)} for i in ids]

    batches = InspectBatches(inspect)
    first = asyncio.ensure_future(batches.get([A], {A: "state-1"}))
    await asyncio.sleep(0.01)  # its inspect runs now
    same = asyncio.ensure_future(batches.get([A], {A: "state-1"}))
    newer = asyncio.ensure_future(batches.get([A], {A: "state-2"}))
    unmarked = asyncio.ensure_future(batches.get([A]))
    await asyncio.sleep(0.01)
    release.set()
    assert (await first)[0]["Seen"] == 1
    assert (await same)[0]["Seen"] == 1  # joined the running inspect
    assert (await newer)[0]["Seen"] == 2  # another state: the next inspect
    assert (await unmarked)[0]["Seen"] == 2  # nothing to vouch for it: the next inspect
    assert calls == [[A], [A]]


async def test_warmed_inspects_answer_the_next_look(tmp_path: Path) -> None:
    path = _db(tmp_path, {A: _ctr("web", 3)})
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect(A, "web", "running")])

    engine = Containers(fake, _at(path))
    engine.warm([A])
    raw = await engine.inspect("web")  # joins the warming inspect, or finds it kept
    assert raw["Id"] == A
    await asyncio.sleep(0.01)
    assert (await engine.inspect(A))["Id"] == A
    inspects = [c for c in fake.calls if c[:2] == ["container", "inspect"]]
    assert len(inspects) == 1


async def test_no_warming_for_a_container_that_exited_again(tmp_path: Path) -> None:
    path = _db(tmp_path, {A: _ctr("web", 6)})  # exited (a short command, run and done)
    fake = FakePodman()

    engine = Containers(fake, _at(path))
    engine.warm([A])
    await asyncio.gather(*engine._tasks)  # the warming, done
    assert not [c for c in fake.calls if c[:2] == ["container", "inspect"]]
