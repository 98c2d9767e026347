"""Concurrent identical mutations of different containers, done by one podman process.

Every podman process costs its start-up (user namespace, runtime, storage: most of a core for
50-100 ms here) before it does anything; podman's own service pays it once. Compose stops,
starts and removes its services in parallel, so those requests arrive together: a lone request
runs at once (batching adds no latency), and twins (same sub-command and options) arriving
while one runs gather for GATHER seconds and then go, alongside it, as one
`podman stop -t 0 -- id1 id2 ...` (podman acts on the containers of one call in parallel).
Compose's first request is usually ahead of the others by a few tens of ms: they gather behind
it and do not wait for it to end.

podman prints each container it handled on stdout; one it did not handle is run again alone,
so its error is exactly the one a single call would give.

`podman stop` and `rm` act on the containers of one call in parallel, `podman start` one after
another (~0.1 s each here: network, conmon, runtime): a batch of starts is split over as many
processes as there are CPUs, which measured 0.65-0.8 s for nine starts here against 1.05-1.1 s
in one process and 0.9-1.05 s in nine.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from dockershim.podman import Completed, PodmanRunner

GATHER = 0.02  # seconds twins arriving together (compose's parallel requests) are gathered
_ONE_BY_ONE = {"start"}  # sub-commands podman runs one container after another


@dataclass
class _Key:
    waiting: dict[str, list[asyncio.Future[Completed]]] = field(default_factory=dict)
    timeout: float | None = None
    running: int = 0  # calls of this key under way
    gathering: bool = False  # a call is due once the twins arriving now have come


class Batches:
    def __init__(self, podman: PodmanRunner) -> None:
        self.podman = podman
        self._keys: dict[tuple[str, ...], _Key] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(
        self, args: Sequence[str], container_id: str, *, timeout: float | None = None
    ) -> Completed:
        """`podman <args> -- <container_id>`, possibly together with twins of this call."""
        key = tuple(args)
        state = self._keys.setdefault(key, _Key())
        future: asyncio.Future[Completed] = asyncio.get_running_loop().create_future()
        state.waiting.setdefault(container_id, []).append(future)
        if timeout is not None:
            state.timeout = max(state.timeout or 0.0, timeout)
        if state.running == 0 and not state.gathering:
            self._launch(key, state)  # a lone call goes at once
        elif not state.gathering:
            state.gathering = True
            asyncio.get_running_loop().call_later(GATHER, self._launch, key, state)
        return await asyncio.shield(future)

    def _launch(self, key: tuple[str, ...], state: _Key) -> None:
        batch, state.waiting = state.waiting, {}
        timeout, state.timeout = state.timeout, None
        state.gathering = False
        if not batch:
            return
        state.running += 1
        task = asyncio.create_task(self._go(key, state, batch, timeout))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _go(
        self,
        key: tuple[str, ...],
        state: _Key,
        batch: dict[str, list[asyncio.Future[Completed]]],
        timeout: float | None,
    ) -> None:
        try:
            await self._run_batch(list(key), batch, timeout)
        except Exception as exc:  # handed to every waiter of this batch
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
        except asyncio.CancelledError:  # the service is going away
            for futures in batch.values():
                for future in futures:
                    future.cancel()
            raise
        finally:
            state.running -= 1
            if state.running == 0 and not state.gathering and not state.waiting:
                self._keys.pop(key, None)

    async def _run_batch(
        self,
        args: list[str],
        batch: dict[str, list[asyncio.Future[Completed]]],
        timeout: float | None,
    ) -> None:
        ids = list(batch)
        parts = min(len(ids), os.cpu_count() or 1) if args[0] in _ONE_BY_ONE else 1
        await asyncio.gather(
            *(
                self._together(args, {i: batch[i] for i in ids[n::parts]}, timeout)
                for n in range(parts)
            )
        )

    async def _together(
        self,
        args: list[str],
        batch: dict[str, list[asyncio.Future[Completed]]],
        timeout: float | None,
    ) -> None:
        ids = list(batch)
        if len(ids) == 1:
            result = await self.podman.run([*args, "--", ids[0]], check=False, timeout=timeout)
            _settle(batch[ids[0]], result)
            return
        together = await self.podman.run([*args, "--", *ids], check=False, timeout=timeout)
        handled = {line.strip() for line in together.text.splitlines()}
        alone = []
        for ident in ids:
            if ident in handled:
                done = Completed(together.argv, 0, f"{ident}\n".encode(), b"", together.seconds)
                _settle(batch[ident], done)
            else:
                alone.append(ident)
        results = await asyncio.gather(
            *(self.podman.run([*args, "--", i], check=False, timeout=timeout) for i in alone)
        )
        for ident, result in zip(alone, results, strict=True):
            _settle(batch[ident], result)


def batch_size(result: Completed) -> int:
    """How many containers the podman call behind this result acted on."""
    argv = result.argv
    return len(argv) - argv.index("--") - 1 if "--" in argv else 1


def _settle(futures: list[asyncio.Future[Completed]], result: Completed) -> None:
    for future in futures:
        if not future.done():
            future.set_result(result)
