"""Concurrent identical mutations of different containers, done by one podman process.

Every podman process costs its start-up (user namespace, runtime, storage: most of a core for
50-100 ms here) before it does anything; podman's own service pays it once. Compose stops,
starts and removes its services in parallel, so those requests arrive together: a request whose
twin (same sub-command and options) is already running waits for it to end and then goes, with
all others that gathered meanwhile, as one `podman stop -t 0 -- id1 id2 ...` (podman acts on the
containers of one call in parallel). A lone request runs at once: batching adds no latency.

podman prints each container it handled on stdout; one it did not handle is run again alone,
so its error is exactly the one a single call would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from dockershim.podman import Completed, PodmanRunner


@dataclass
class _Key:
    waiting: dict[str, list[asyncio.Future[Completed]]] = field(default_factory=dict)
    timeout: float | None = None
    draining: bool = False


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
        if not state.draining:
            state.draining = True
            task = asyncio.create_task(self._drain(key, state))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(future)

    async def _drain(self, key: tuple[str, ...], state: _Key) -> None:
        try:
            while state.waiting:
                batch, state.waiting = state.waiting, {}
                timeout, state.timeout = state.timeout, None
                try:
                    await self._run_batch(list(key), batch, timeout)
                except Exception as exc:  # handed to every waiter of this batch
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                except asyncio.CancelledError:  # the service is going away
                    for futures in [*batch.values(), *state.waiting.values()]:
                        for future in futures:
                            future.cancel()
                    raise
        finally:
            state.draining = False
            if not state.waiting:
                self._keys.pop(key, None)

    async def _run_batch(
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


def _settle(futures: list[asyncio.Future[Completed]], result: Completed) -> None:
    for future in futures:
        if not future.done():
            future.set_result(result)
