"""The runner's bounded pool with real child processes (/bin/sh standing in for podman).

Each child announces its start in a file and then blocks until the test creates its "go" file, so
which children run at a moment is decided by the test, not by timing: a call still queued has
no process at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from dockershim.podman import PodmanRunner
from dockershim.podman.lanes import Kind


class Gates:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.runner = PodmanRunner("/bin/sh", concurrency=4)  # total 4, of which writes 3
        self.tasks: list[asyncio.Task[object]] = []

    async def call(self, n: int, kind: Kind) -> None:
        script = (
            f"echo $$ > {self.tmp}/started.{n}; "
            f"while [ ! -e {self.tmp}/go.{n} ]; do sleep 0.01; done"
        )
        self.tasks.append(asyncio.create_task(self.runner.run(["-c", script], kind=kind)))
        await asyncio.sleep(0)  # the call reaches the queue before the next one is made

    def started(self) -> set[int]:
        return {int(p.name.split(".")[1]) for p in self.tmp.glob("started.*")}

    def released(self) -> set[int]:
        return {int(p.name.split(".")[1]) for p in self.tmp.glob("go.*")}

    def go(self, n: int) -> None:
        (self.tmp / f"go.{n}").touch()

    async def until(self, condition: Callable[[], bool]) -> None:
        for _ in range(3000):  # a hang guard, not a timing assertion
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("condition never met")

    async def finish(self) -> None:
        for n in range(100):
            self.go(n)
        await asyncio.gather(*self.tasks)


@pytest.fixture
async def gates(tmp_path: Path):  # type: ignore[no-untyped-def]
    g = Gates(tmp_path)
    yield g
    await g.finish()
    assert g.runner.slots.running == {"read": 0, "write": 0, "slow": 0}


async def test_writes_are_bounded_and_served_first_come_first_served(gates: Gates) -> None:
    for n in range(6):
        await gates.call(n, "write")
    await gates.until(lambda: len(gates.started()) == 3 and gates.runner.slots.waiting == 3)
    assert gates.started() == {0, 1, 2}
    # Free one slot at a time, out of order: the queue still starts 3, then 4, then 5.
    for done, newcomer in ((2, 3), (0, 4), (1, 5)):
        gates.go(done)
        await gates.until(lambda: newcomer in gates.started())  # noqa: B023 - awaited here
        assert max(gates.started()) == newcomer  # nobody jumped the queue
        assert len(gates.started() - gates.released()) == 3


async def test_a_read_is_not_stuck_behind_saturated_writes(gates: Gates) -> None:
    for n in range(8):
        await gates.call(n, "write")
    await gates.until(lambda: len(gates.started()) == 3 and gates.runner.slots.waiting == 5)
    result = await asyncio.wait_for(
        gates.runner.run(["-c", "echo answered"], kind="read"), timeout=30
    )
    assert result.stdout == b"answered\n"
    assert gates.started() == {0, 1, 2}  # the writes are all still where they were
    assert gates.runner.slots.waiting == 5


async def test_reads_may_use_every_slot_and_then_queue(gates: Gates) -> None:
    for n in range(5):
        await gates.call(n, "read")
    await gates.until(lambda: len(gates.started()) == 4 and gates.runner.slots.waiting == 1)
    assert gates.started() == {0, 1, 2, 3}
    gates.go(1)
    await gates.until(lambda: 4 in gates.started())


async def test_default_lane_follows_the_subcommand(gates: Gates) -> None:
    # Three mutations hold the write slots; `sh -c` is no podman verb, so it counts as a write,
    # while an argv starting with `ps` is a read and runs at once.
    for n in range(4):
        await gates.call(n, "write")
    await gates.until(lambda: len(gates.started()) == 3)
    ps = PodmanRunner("/bin/echo")
    ps.slots = gates.runner.slots  # same pool, a binary that accepts any argv
    assert (await asyncio.wait_for(ps.run(["ps", "-a"]), 30)).stdout == b"ps -a\n"
    queued = asyncio.create_task(ps.run(["create", "busybox"]))
    await gates.until(lambda: gates.runner.slots.waiting == 2)
    assert not queued.done()
    gates.go(0)
    gates.go(1)
    assert (await asyncio.wait_for(queued, 30)).stdout == b"create busybox\n"


async def test_spawned_children_take_no_slot(gates: Gates) -> None:
    for n in range(6):
        await gates.call(n, "read")
    await gates.until(lambda: len(gates.started()) == 4 and gates.runner.slots.waiting == 2)
    child = await gates.runner.spawn(["-c", "echo streaming"])
    try:
        assert child.process.stdout is not None
        line = await asyncio.wait_for(child.process.stdout.readline(), 30)
        assert line == b"streaming\n"
    finally:
        await child.close()


async def test_a_cancelled_queued_call_never_starts(gates: Gates) -> None:
    for n in range(4):
        await gates.call(n, "read")
    await gates.until(lambda: len(gates.started()) == 4)
    await gates.call(9, "read")
    await gates.until(lambda: gates.runner.slots.waiting == 1)
    victim = gates.tasks.pop()
    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert gates.runner.slots.waiting == 0
    await gates.call(4, "read")
    gates.go(0)
    await gates.until(lambda: 4 in gates.started())
    assert 9 not in gates.started()
