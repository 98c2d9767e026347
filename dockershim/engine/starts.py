"""Who is told that this service just started a container: the DNS watch (dns_watch.py),
which repairs aardvark-dns after a start, and the keeper of podman 4's rootless network
namespace (netns_hold.py), which holds it once a bridge container runs."""

from __future__ import annotations

from typing import Protocol


class StartWatcher(Protocol):
    def started(self, container_id: str) -> None: ...


class StartWatchers:
    def __init__(self, *watchers: StartWatcher) -> None:
        self._watchers = watchers

    def started(self, container_id: str) -> None:
        for watcher in self._watchers:
            watcher.started(container_id)
