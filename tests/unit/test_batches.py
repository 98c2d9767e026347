"""Concurrent twin mutations become one podman call (engine/batches.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

import pytest

from dockershim.engine.batches import Batches, batch_size
from dockershim.podman import Completed, PodmanRunner


class Recorder(PodmanRunner):
    """Prints every id it is given except `bad`, which fails; the first call waits for `go`."""

    def __init__(self, bad: str = "") -> None:
        super().__init__("podman-fake")
        self.calls: list[list[str]] = []
        self.bad = bad
        self.go = asyncio.Event()

    async def run(self, args: Sequence[str], **_: object) -> Completed:  # type: ignore[override]
        self.calls.append(list(args))
        if len(self.calls) == 1:
            await self.go.wait()
        ids = list(args[list(args).index("--") + 1 :])
        ok = [i for i in ids if i != self.bad]
        err = f"Error: no container with name or ID {self.bad}" if self.bad in ids else ""
        rc = 125 if err else 0
        return Completed(list(args), rc, "".join(f"{i}\n" for i in ok).encode(), err.encode())


async def test_a_lone_call_runs_at_once() -> None:
    podman = Recorder()
    podman.go.set()
    result = await Batches(podman).run(["stop", "--time", "0"], "a")
    assert result.returncode == 0
    assert podman.calls == [["stop", "--time", "0", "--", "a"]]


async def test_twins_gather_behind_a_running_call() -> None:
    podman = Recorder(bad="c")
    batches = Batches(podman)
    first = asyncio.create_task(batches.run(["stop", "--time", "0"], "a"))
    await asyncio.sleep(0)
    others = [asyncio.create_task(batches.run(["stop", "--time", "0"], ident)) for ident in "bcdd"]
    other_kind = asyncio.create_task(batches.run(["rm"], "e"))
    await asyncio.sleep(0.01)
    podman.go.set()
    results = await asyncio.gather(first, *others, other_kind)
    assert [r.returncode for r in results] == [0, 0, 125, 0, 0, 0]
    assert "no container" in results[2].err_text
    stops = [c for c in podman.calls if c[0] == "stop"]
    # the first alone, then b, c, d together (d asked twice), then c alone for its own error
    assert stops == [
        ["stop", "--time", "0", "--", "a"],
        ["stop", "--time", "0", "--", "b", "c", "d"],
        ["stop", "--time", "0", "--", "c"],
    ]
    assert ["rm", "--", "e"] in podman.calls


async def test_twins_go_alongside_the_running_call() -> None:
    """Compose's first request is a little ahead of the others: they do not wait for it."""
    podman = Recorder()
    batches = Batches(podman)
    first = asyncio.create_task(batches.run(["stop"], "a"))
    await asyncio.sleep(0)
    twins = await asyncio.gather(*(batches.run(["stop"], ident) for ident in "bc"))
    assert [r.returncode for r in twins] == [0, 0]
    assert [batch_size(r) for r in twins] == [2, 2]  # acted on together
    assert not first.done()  # still held by the fake podman
    assert podman.calls == [["stop", "--", "a"], ["stop", "--", "b", "c"]]
    podman.go.set()
    assert (await first).returncode == 0
    assert batch_size(await first) == 1


async def test_twin_starts_are_split_over_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """podman starts the containers of one call one after another: a batch of starts goes
    as one process per CPU (stops and removals stay one call: podman runs those in parallel)."""

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    podman = Recorder(bad="e")
    batches = Batches(podman)
    first = asyncio.create_task(batches.run(["start"], "a"))
    await asyncio.sleep(0)
    twins = [asyncio.create_task(batches.run(["start"], ident)) for ident in "bcde"]
    await asyncio.sleep(0.05)
    podman.go.set()
    results = await asyncio.gather(first, *twins)
    assert [r.returncode for r in results] == [0, 0, 0, 0, 125]
    starts = sorted(podman.calls)
    assert starts == [
        ["start", "--", "a"],
        ["start", "--", "b", "d"],
        ["start", "--", "c", "e"],
        ["start", "--", "e"],  # the failed one alone, for its own error
    ]
