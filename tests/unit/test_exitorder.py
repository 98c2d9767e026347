"""ExitOrder: a container's `die` waits for this service's streams and waits of it."""

from __future__ import annotations

import asyncio

import pytest

from dockershim.streams.exitorder import ExitOrder


@pytest.mark.asyncio
async def test_unknown_container_is_not_held() -> None:
    order = ExitOrder(grace=5, cap=5)
    assert not order.busy("abc")
    await asyncio.wait_for(order.settle("abc"), 1)


@pytest.mark.asyncio
async def test_held_while_followed_then_for_the_grace() -> None:
    order = ExitOrder(grace=0.2, cap=5)
    told: list[str] = []

    async def tell() -> None:
        await order.settle("abc")
        told.append("die")

    with order.following("abc"):
        task = asyncio.create_task(tell())
        await asyncio.sleep(0.1)
        assert told == [] and order.busy("abc")
    assert order.busy("abc")  # a client that saw its stream end calls wait next
    assert not order.busy("other")
    await asyncio.wait_for(task, 2)
    assert told == ["die"] and not order.busy("abc")


@pytest.mark.asyncio
async def test_a_wait_resolving_its_container_holds_every_exit() -> None:
    order = ExitOrder(grace=0.0, cap=5)
    with order.resolving():
        assert order.busy("any")
    assert not order.busy("any")


@pytest.mark.asyncio
async def test_never_held_beyond_the_cap() -> None:
    order = ExitOrder(grace=0.0, cap=0.2)
    with order.following("abc"):
        await asyncio.wait_for(order.settle("abc"), 2)
        assert order.busy("abc")


def test_finished_containers_are_forgotten() -> None:
    order = ExitOrder(grace=0.0, cap=1)
    with order.following("abc"):
        pass
    with order.following("def"):
        assert "abc" not in order._activity
