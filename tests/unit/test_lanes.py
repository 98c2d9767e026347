"""The runner pool's lanes without processes: which lane a call takes, limits, slot accounting."""

from __future__ import annotations

import asyncio

import pytest

from dockershim.podman.lanes import Kind, Limits, ProcessSlots, kind_of


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["ps", "-a", "--format", "json"], "read"),
        (["container", "inspect", "--", "x"], "read"),
        (["image", "exists", "--", "busybox"], "read"),
        (["network", "ls", "--format", "json"], "read"),
        (["volume", "inspect", "--", "v"], "read"),
        (["version", "--format", "json"], "read"),
        (["update", "--help"], "read"),
        (["create", "--name", "x", "busybox"], "write"),
        (["start", "--", "x"], "write"),
        (["rm", "--", "x"], "write"),
        (["network", "connect", "n", "x"], "write"),
        (["exec", "-d", "x", "true"], "write"),
        (["stop", "--time", "10", "--", "x"], "slow"),
        (["container", "wait", "x"], "slow"),
        (["pull", "busybox"], "slow"),
        (["image", "prune", "-f"], "slow"),
        (["system", "df", "-v"], "slow"),
        (["healthcheck", "run", "--", "x"], "slow"),
        (["manifest", "inspect", "docker.io/library/busybox"], "slow"),
        ([], "write"),
    ],
)
def test_lane_follows_the_subcommand(args: list[str], kind: Kind) -> None:
    assert kind_of(args) == kind


def test_limits_keep_slots_for_reads() -> None:
    for total in range(2, 40):
        limits = Limits.for_concurrency(total)
        assert limits.total == total
        assert 1 <= limits.writes < limits.total
    assert Limits.for_concurrency(None).total >= 4


async def test_slow_calls_have_their_own_bound() -> None:
    slots = ProcessSlots(Limits(total=2, writes=1, slow=2))
    for kind in ("read", "write", "slow", "slow"):
        await asyncio.wait_for(slots.acquire(kind), 5)  # type: ignore[arg-type]
    assert slots.running == {"read": 1, "write": 1, "slow": 2}
    waiter = asyncio.create_task(slots.acquire("slow"))
    await asyncio.sleep(0)
    assert slots.waiting == 1 and not waiter.done()
    slots.release("slow")
    await asyncio.wait_for(waiter, 5)
    assert slots.running["slow"] == 2


async def test_a_waiter_of_another_lane_is_passed_but_its_own_lane_stays_in_order() -> None:
    slots = ProcessSlots(Limits(total=3, writes=1, slow=8))
    await slots.acquire("write")
    order: list[str] = []

    async def take(kind: Kind, name: str) -> None:
        await slots.acquire(kind)
        order.append(name)

    tasks = [asyncio.create_task(take("write", "w1")), asyncio.create_task(take("read", "r1"))]
    tasks.append(asyncio.create_task(take("write", "w2")))
    tasks.append(asyncio.create_task(take("read", "r2")))
    await asyncio.wait_for(asyncio.gather(tasks[1], tasks[3]), 5)
    assert order == ["r1", "r2"]  # the reads went past the writes waiting for the write slot
    slots.release("read")
    slots.release("write")
    await asyncio.wait_for(tasks[0], 5)
    assert order == ["r1", "r2", "w1"] and not tasks[2].done()
    slots.release("write")
    await asyncio.wait_for(tasks[2], 5)
    assert order == ["r1", "r2", "w1", "w2"]


async def test_a_slot_granted_to_a_cancelled_waiter_is_given_back() -> None:
    slots = ProcessSlots(Limits(total=2, writes=1, slow=8))
    await slots.acquire("read")
    await slots.acquire("read")
    waiter = asyncio.create_task(slots.acquire("read"))
    await asyncio.sleep(0)
    slots.release("read")  # grants the slot to the waiter ...
    waiter.cancel()  # ... which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert slots.running["read"] == 1 and slots.waiting == 0
