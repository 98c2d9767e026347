"""Who is told that this service just started a container: the DNS watch (dns_watch.py),
which repairs aardvark-dns after a start, and the keeper of podman 4's rootless network
namespace (netns_hold.py), which holds it once a bridge container runs.

The keeper is told of a create too (`ahead`): a start nearly always follows at once, and a
`docker run --rm` of a short command is often gone before its start's news could set the
hold up, so its exit took the namespace down with it (~0.2 s of a cold service's first run).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class StartWatcher(Protocol):
    def started(self, container_id: str) -> None: ...


class StartWatchers:
    def __init__(self, *watchers: StartWatcher, ahead: Sequence[StartWatcher] = ()) -> None:
        self._watchers = watchers
        self._ahead = ahead  # told of creates as of starts

    def created(self, container_id: str) -> None:
        for watcher in self._ahead:
            watcher.started(container_id)

    def started(self, container_id: str) -> None:
        for watcher in self._watchers:
            watcher.started(container_id)
