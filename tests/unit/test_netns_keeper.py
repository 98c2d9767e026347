"""engine/netns_hold.py's NetnsHold with a fake podman: which start makes it hold podman 4's
rootless network namespace, that it holds once, lets go at close, and removes the pods of
services that died holding one. (The real namespace, pod and timings: tests/integration/
test_netns_keeper.py.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from typing import Any

import pytest

from dockershim.engine.containers import ContainerRef
from dockershim.engine.netns_hold import NetnsHold
from dockershim.engine.starts import StartWatchers
from dockershim.podman.service_child import ServiceAnswer
from tests.fakes import FakePodman

BRIDGED = ContainerRef("a" * 64, "web", "running")
ALONE = ContainerRef("b" * 64, "offline", "running")  # --network none


class _Containers:
    def __init__(self, *listed: tuple[ContainerRef, list[str]]) -> None:
        self.listed = list(listed)

    async def on_networks(self, *, running_only: bool) -> list[tuple[ContainerRef, list[str]]]:
        return [(c, n) for c, n in self.listed if not running_only or c.status == "running"]


def _keeper(
    fake: FakePodman,
    containers: _Containers,
    shared: bool = True,
    ahead: asyncio.Future[str | None] | None = None,
) -> NetnsHold:
    async def shared_netns() -> bool:
        return shared

    for verb in (["pod", "create"], ["pod", "start"], ["pod", "rm"]):
        fake.answer(verb, "")
    return NetnsHold(fake, containers, shared_netns, ahead=ahead)  # type: ignore[arg-type]


def _begun(pod: str | None) -> asyncio.Future[str | None]:
    """The keeper pod api/lazyapp.py began for a cold first create, as the engine gets it."""
    future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    future.set_result(pod)
    return future


async def _settle(keeper: NetnsHold) -> None:
    for _ in range(100):
        if keeper._keeping is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the keeper never settled")


def _pods(fake: FakePodman) -> list[list[str]]:
    return [c for c in fake.calls if c[:1] == ["pod"]]


async def test_a_bridge_container_start_makes_it_hold_once_until_close() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    keeper.started(BRIDGED.id)
    keeper.started(BRIDGED.id)  # while the first look runs: nothing more
    await _settle(keeper)
    pod = keeper.holding
    assert pod is not None and pod.startswith(f"dockershim-netns-keep-{os.getpid()}-")
    create, start = _pods(fake)
    assert create[create.index("--name") + 1] == pod
    assert create[create.index("--infra-name") + 1] == f"{pod}-infra"
    assert create[create.index("--network") + 1] == "bridge" and start[-1] == pod
    keeper.started(BRIDGED.id)  # held: no more pods
    await _settle(keeper)
    assert len(_pods(fake)) == 2
    await keeper.close()
    assert _pods(fake)[-1] == ["pod", "rm", "--force", "--", pod] and keeper.holding is None


@pytest.mark.parametrize(
    "first",
    [ALONE.id, "c" * 64],
    ids=["no bridge (--network none)", "gone before the look"],
)
async def test_a_start_of_no_known_bridge_holds_nothing_and_a_later_one_does(first: str) -> None:
    """A container without a bridge network needs no namespace. A `docker run --rm IMG true`
    may be removed before the keeper looks: its network is unknown then (`--network none` must
    not set a namespace up); a later start decides."""
    fake = FakePodman()
    containers = _Containers((ALONE, []))
    keeper = _keeper(fake, containers)
    keeper.started(first)
    await _settle(keeper)
    assert _pods(fake) == [] and keeper.holding is None
    containers.listed.append((BRIDGED, ["podman"]))
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert keeper.holding is not None
    await keeper.close()


AHEAD = f"dockershim-netns-keep-{os.getpid()}-0a0b0c0d"


async def test_a_pod_begun_ahead_is_taken_over_for_a_bridge_container() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])), ahead=_begun(AHEAD))
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert keeper.holding == AHEAD and _pods(fake) == []  # no second pod
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    await keeper.close()
    assert _pods(fake) == [["pod", "rm", "--force", "--", AHEAD]] and keeper.holding is None


async def test_a_pod_begun_ahead_of_a_container_without_a_bridge_is_removed() -> None:
    """The lazy app reads `--network none` from the body; a body it could not read, or a
    network it took for a bridge, leaves the decision here."""
    fake = FakePodman()
    containers = _Containers((ALONE, []))
    keeper = _keeper(fake, containers, ahead=_begun(AHEAD))
    keeper.started(ALONE.id)
    await _settle(keeper)
    assert _pods(fake) == [["pod", "rm", "--force", "--", AHEAD]] and keeper.holding is None
    containers.listed.append((BRIDGED, ["podman"]))
    keeper.started(BRIDGED.id)  # a later bridge container makes a pod of its own
    await _settle(keeper)
    assert keeper.holding not in (None, AHEAD)
    await keeper.close()


async def test_a_pod_begun_ahead_that_no_create_claimed_is_removed_at_close() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])), ahead=_begun(AHEAD))
    await keeper.close()  # the first create failed: nothing was started
    assert _pods(fake) == [["pod", "rm", "--force", "--", AHEAD]]


async def test_without_a_pod_begun_ahead_the_keeper_makes_its_own() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])), ahead=_begun(None))
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert [c[:2] for c in _pods(fake)] == [["pod", "create"], ["pod", "start"]]
    await keeper.close()


async def test_nothing_is_held_on_podman_5_or_as_root() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])), shared=False)
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    await keeper.close()
    assert _pods(fake) == []


async def test_a_pod_that_cannot_start_is_removed_and_not_tried_again() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    fake.answer(["pod", "start"], stderr="Error: no pause image", rc=125)
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert [c[:2] for c in _pods(fake)] == [["pod", "create"], ["pod", "start"], ["pod", "rm"]]
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    await keeper.close()
    assert len(_pods(fake)) == 3 and keeper.holding is None


async def test_close_while_the_pod_is_being_made_waits_for_it_then_removes_it() -> None:
    fake = FakePodman()
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    starting, go_on = asyncio.Event(), asyncio.Event()
    real_run = fake.run

    async def slow_run(args: Any, **kwargs: Any) -> Any:
        if list(args[:2]) == ["pod", "start"]:
            starting.set()
            await go_on.wait()
        return await real_run(args, **kwargs)

    fake.run = slow_run  # type: ignore[method-assign]
    keeper.started(BRIDGED.id)
    await asyncio.wait_for(starting.wait(), 5)
    closing = asyncio.create_task(keeper.close())
    await asyncio.sleep(0.05)
    assert not closing.done()  # a pod create or start is never killed halfway
    go_on.set()
    await asyncio.wait_for(closing, 5)
    pod = _pods(fake)[0][_pods(fake)[0].index("--name") + 1]
    assert [c[:2] for c in _pods(fake)] == [["pod", "create"], ["pod", "start"], ["pod", "rm"]]
    assert _pods(fake)[-1][-1] == pod


async def test_the_pods_of_services_that_died_are_removed() -> None:
    dead_pid = _dead_pid()
    orphan = f"dockershim-netns-keep-{dead_pid}-0a1b2c3d"
    live = f"dockershim-netns-keep-{os.getpid()}-0a1b2c3d"  # another live service's pod
    fake = FakePodman()
    keeper = _keeper(
        fake,
        _Containers(
            (ContainerRef("d" * 64, f"{orphan}-infra", "running"), ["podman"]),
            (ContainerRef("e" * 64, f"{live}-infra", "running"), ["podman"]),
            (BRIDGED, ["podman"]),
        ),
    )
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    removed = [c[-1] for c in _pods(fake) if c[:2] == ["pod", "rm"]]
    assert removed == [orphan]
    await keeper.close()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


class _Child:
    """podman's service child as NetnsHold uses it: answers by (method, path), or None (the
    child cannot take requests: not running, gone)."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, object]] | None) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, object]] = []

    async def call(
        self, method: str, path: str, params: object = None, **kwargs: Any
    ) -> ServiceAnswer | None:
        self.calls.append((method, path, kwargs.get("body")))
        if self.answers is None:
            return None
        status, body = self.answers.get((method, path.split("dockershim-")[0]), (500, {}))
        return ServiceAnswer(status, json.dumps(body).encode())


_POD_ANSWERS: dict[tuple[str, str], tuple[int, object]] = {
    ("POST", "/pods/create"): (201, {"Id": "f" * 64}),
    ("POST", "/pods/"): (200, {"Errs": None, "Id": "f" * 64}),
    ("DELETE", "/pods/"): (200, {"Err": None, "Id": "f" * 64}),
}


async def test_the_pod_is_made_and_removed_through_the_service_child_without_processes() -> None:
    fake = FakePodman()
    child = _Child(_POD_ANSWERS)
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    keeper.service = child  # type: ignore[assignment]
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    pod = keeper.holding
    assert pod is not None
    (create, start) = child.calls
    assert create == (
        "POST",
        "/pods/create",
        {"name": pod, "infra_name": f"{pod}-infra", "netns": {"nsmode": "bridge"}},
    )
    assert start[:2] == ("POST", f"/pods/{pod}/start")
    await keeper.close()
    assert child.calls[-1][:2] == ("DELETE", f"/pods/{pod}") and _pods(fake) == []


async def test_without_a_child_that_answers_the_pod_is_made_by_processes() -> None:
    fake = FakePodman()
    child = _Child(None)
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    keeper.service = child  # type: ignore[assignment]
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert keeper.holding is not None
    await keeper.close()
    assert [c[:2] for c in _pods(fake)] == [["pod", "create"], ["pod", "start"], ["pod", "rm"]]


async def test_a_pod_the_child_cannot_start_is_removed_and_nothing_held() -> None:
    fake = FakePodman()
    answers = {**_POD_ANSWERS, ("POST", "/pods/"): (200, {"Errs": ["no pause image"]})}
    child = _Child(answers)
    keeper = _keeper(fake, _Containers((BRIDGED, ["podman"])))
    keeper.service = child  # type: ignore[assignment]
    keeper.started(BRIDGED.id)
    await _settle(keeper)
    assert keeper.holding is None
    assert [c[0] for c in child.calls] == ["POST", "POST", "DELETE"] and _pods(fake) == []
    await keeper.close()


def test_creates_are_told_only_to_the_watchers_that_want_them_ahead() -> None:
    class Watcher:
        def __init__(self) -> None:
            self.told: list[str] = []

        def started(self, container_id: str) -> None:
            self.told.append(container_id)

    dns, hold = Watcher(), Watcher()
    watchers = StartWatchers(dns, hold, ahead=[hold])
    watchers.created("made")
    watchers.started("run")
    assert dns.told == ["run"] and hold.told == ["made", "run"]
