"""podman's event log, as lines of its JSON: the past from a `--stream=false` child of the
caller's own (it ends by itself), live events from one `podman events` child shared by every
subscriber (streams/eventhub.py), which ends when the last one leaves."""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import AsyncGenerator

from dockershim.engine.child import event_lines
from dockershim.engine.networks import Networks
from dockershim.errors import DockerError
from dockershim.podman import PodmanRunner
from dockershim.streams.eventhub import EventHub

log = logging.getLogger(__name__)

_HISTORY_OVERLAP = 10_000  # history lines remembered to drop their repeats from the live part


def _unix(ns: int) -> str:
    # podman 4.3 reads no fraction here, and its --until filter drops events it should keep
    # (the file backend is not in time order): we pass whole seconds and the caller filters.
    return str(ns // 1_000_000_000)


class Events:
    def __init__(self, podman: PodmanRunner, networks: Networks) -> None:
        self.podman = podman
        self.networks = networks
        self.hub = EventHub(lambda argv: podman.spawn(argv, merge_stderr=True))
        self._network_ids: dict[str, str] = {}  # name -> id, also of networks gone since

    async def network_ids(self, name: str) -> dict[str, str]:
        """Network names -> ids (podman's network events name the network only), read again
        only for a name not seen yet."""
        if name in self._network_ids:
            return self._network_ids
        try:
            listed = await self.networks.listing()
        except DockerError as exc:
            log.info("events: networks unread: %s", exc.message)
            listed = []
        self._network_ids.update({str(n.get("name")): str(n.get("id")) for n in listed})
        return self._network_ids

    async def _child_lines(self, since_ns: int | None) -> AsyncGenerator[bytes, None]:
        argv = ["events", "--format", "json", "--stream=false"]
        if since_ns is not None:
            argv += ["--since", _unix(since_ns)]
        child = await self.podman.spawn(argv, merge_stderr=True)
        try:
            async for line in event_lines(child):
                yield line
        finally:
            await child.close()

    def history(self, since_ns: int | None) -> AsyncGenerator[bytes, None]:
        """The log from `since_ns` (whole seconds: the caller filters exactly) to now."""
        return self._child_lines(since_ns)

    async def live(
        self, since_ns: int | None, deadline_ns: int | None
    ) -> AsyncGenerator[bytes, None]:
        """Live events until `deadline_ns`; with `since_ns`, the past first. Subscribing before
        the history is read leaves no gap; what both hold comes once."""
        async with self.hub.subscribe() as subscription:
            told: deque[bytes] = deque(maxlen=_HISTORY_OVERLAP)
            if since_ns is not None:
                # the past is read whole whatever the deadline (the caller drops what is
                # later): a podman slow to start under load must not cost the history
                async with contextlib.aclosing(self._child_lines(since_ns)) as past:
                    async for line in past:
                        told.append(line)
                        yield line
            seen = set(told)
            while (live := await subscription.get(deadline_ns)) is not None:
                if live not in seen:
                    yield live
