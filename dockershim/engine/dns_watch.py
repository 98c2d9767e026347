"""Keep container DNS alive across a netavark/aardvark-dns 1.4 race.

aardvark-dns (the DNS server of podman's user networks) exits once the last network with DNS
entries is gone. When a container starts on a new network in that moment (compose down then
up; one test's clean-up then the next test), netavark finds the exiting server's pid file,
signals it to reload instead of starting a new one, and the new containers' names resolve
nowhere ("bad address") until something starts aardvark again. So after this service starts
containers, it looks (once the burst settles) whether aardvark runs while some network has DNS
entries, and if not runs `podman network reload` on one of them, which starts it with every
network's entries. podman's own service has the same race; dockerd has no such server.

Only a container that still runs on a network with DNS entries is reloaded: entries left by
containers that are gone (a network whose containers were killed) need no server, and a
`docker run` on podman's default network, which has no DNS, must not cost a reload (a podman
process) per container started in the last seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

from dockershim.podman import PodmanRunner
from dockershim.podman.libpod_state import Snapshot

log = logging.getLogger(__name__)

# seconds after the last start at which to look: an aardvark that was exiting when netavark
# signalled it takes up to ~2 s more to go (measured here), so it is looked for a while
CHECKS = (0.3, 1.0, 2.5, 5.0)
_PID_FILE = "aardvark.pid"


def aardvark_missing(folder: str) -> bool:
    """Some network has DNS entries in `folder` and no aardvark-dns serves them."""
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    if not any(n != _PID_FILE and not n.startswith(".") for n in names):
        return False
    try:
        with open(os.path.join(folder, _PID_FILE)) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() != "aardvark-dns"
    except (OSError, ValueError):
        return True


def dns_networks(folder: str) -> set[str]:
    """The networks with DNS entries in `folder` (netavark names each file after its network)."""
    try:
        return {n for n in os.listdir(folder) if n != _PID_FILE and not n.startswith(".")}
    except OSError:
        return set()


class DnsWatch:
    def __init__(
        self,
        podman: PodmanRunner,
        folder: Callable[[], Awaitable[str]],
        snapshot: Callable[[], Awaitable[Snapshot | None]] | None = None,
    ) -> None:
        self.podman = podman
        self._folder = folder
        self._snapshot = snapshot
        self._started: list[str] = []  # the latest containers started (at most 16)
        self._watching: asyncio.Task[None] | None = None

    def started(self, container_id: str) -> None:
        """This service just started the container: watch DNS for a while after the burst."""
        earlier = [i for i in self._started if i != container_id][-15:]
        self._started = [*earlier, container_id]
        if self._watching is not None:
            self._watching.cancel()
        self._watching = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        waited = 0.0
        for at in CHECKS:
            await asyncio.sleep(at - waited)
            waited = at
            if await self.check():
                return
        self._started = []

    async def check(self) -> bool:
        """Restart aardvark when it is missing; whether it had to be."""
        folder = await self._folder()
        if not folder or not self._started or not aardvark_missing(folder):
            return False
        candidates = await self._needing_dns(folder)
        if not candidates:
            self._started = []
            return False
        for ident in reversed(candidates):  # the newest first: the likeliest to still run
            result = await self.podman.run(["network", "reload", "--", ident], check=False)
            if result.returncode == 0:
                log.warning("aardvark-dns was gone (podman's network race): restarted it")
                self._started = []
                return True
        log.warning("aardvark-dns is gone and `podman network reload` did not restart it")
        return False

    async def _needing_dns(self, folder: str) -> list[str]:
        """The containers started here that run on a network with DNS entries now."""
        snap = await self._snapshot() if self._snapshot is not None else None
        if snap is None:  # only the CLI could tell: try them all
            return list(self._started)
        networks = dns_networks(folder)
        records = [snap.containers.get(ident) for ident in self._started]
        return [
            r.id
            for r in records
            if r is not None and snap.status_now(r) == "running" and networks & set(r.networks)
        ]
