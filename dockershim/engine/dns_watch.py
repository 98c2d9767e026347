"""Keep container DNS alive across a netavark/aardvark-dns 1.4 race.

aardvark-dns (the DNS server of podman's user networks) exits once the last network with DNS
entries is gone. When a container starts on a new network in that moment (compose down then
up; one test's clean-up then the next test), netavark finds the exiting server's pid file,
signals it to reload instead of starting a new one, and the new containers' names resolve
nowhere ("bad address") until something starts aardvark again. So after this service starts
containers, it looks (once the burst settles) whether aardvark serves their networks: a live
process (an exited one stays a zombie for a while) listening on their gateways (an exiting one
has closed its sockets). If not, it ends the exiting one, waits until its pid is free (netavark
signals a zombie as happily as a live server), and runs `podman network reload` on one of the
containers, which starts aardvark with every network's entries. podman's own service has the
same race; dockerd has no such server.

Only a container that still runs on a network with DNS entries is reloaded: entries left by
containers that are gone (a network whose containers were killed) need no server, and a
`docker run` on podman's default network, which has no DNS, must not cost a reload (a podman
process) per container started in the last seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence

from dockershim.podman import PodmanRunner
from dockershim.podman.libpod_state import Snapshot

log = logging.getLogger(__name__)

# seconds after the last start at which to look: an aardvark that was exiting when netavark
# signalled it takes up to ~2 s more to go (measured here), so it is looked for a while
CHECKS = (0.3, 1.0, 2.5, 5.0)
_PID_FILE = "aardvark.pid"


def aardvark_missing(folder: str, container_ids: Sequence[str] = ()) -> bool:
    """Some network has DNS entries in `folder` and no aardvark-dns serves them: none runs,
    it exited (a zombie until reaped), or, when one of `container_ids` is on a network with
    DNS, it listens on no gateway at all (an aardvark going away after its last container
    closes its sockets first, and netavark's signal then does not bring them back)."""
    names = sorted(dns_networks(folder))
    if not names:
        return False
    pid = _aardvark_pid(folder)
    if pid is None:
        return True  # none runs, or it exited (a zombie until its parent reaps it)
    if not _gateways(folder, names, container_ids):
        return False
    # an exiting server listens on none of its gateways; a live one still being told of a new
    # network listens on the others meanwhile, and must not be taken for gone
    return not _gateways(folder, names, None) & _listening(pid)


def _gateways(folder: str, names: list[str], container_ids: Sequence[str] | None) -> set[str]:
    """The IPv4 gateways (as /proc/net/udp writes them) of the networks that hold the ids
    (of every network with entries for None)."""
    out: set[str] = set()
    for name in names:
        try:
            with open(os.path.join(folder, name)) as f:
                head, *entries = f.read().splitlines()
        except (OSError, ValueError):
            continue
        if container_ids is not None and not any(
            line.split(" ", 1)[0] in container_ids for line in entries
        ):
            continue
        for address in head.replace(",", " ").split():
            with contextlib.suppress(OSError):
                out.add(socket.inet_aton(address)[::-1].hex().upper() + ":0035")
    return out


def _listening(pid: int) -> set[str]:
    """The UDP addresses bound in the process's network namespace (little-endian hex)."""
    try:
        with open(f"/proc/{pid}/net/udp") as f:
            return {line.split()[1] for line in f.read().splitlines()[1:] if line.strip()}
    except (OSError, IndexError):
        return set()


def dns_networks(folder: str) -> set[str]:
    """The networks with DNS entries in `folder` (netavark names each file after its network)."""
    try:
        return {n for n in os.listdir(folder) if n != _PID_FILE and not n.startswith(".")}
    except OSError:
        return set()


def leftover_networks(folder: str, snap: Snapshot) -> list[str]:
    """Networks with DNS entries in `folder` that no container of podman's state is on."""
    used = {name for record in snap.containers.values() for name in record.networks}
    return sorted(dns_networks(folder) - used)


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
        self._checking = asyncio.Lock()
        self._leftovers_told: list[str] = []

    def started(self, container_id: str) -> None:
        """This service just started the container: watch DNS for a while after the burst."""
        earlier = [i for i in self._started if i != container_id][-15:]
        self._started = [*earlier, container_id]
        if self._watching is not None and not self._checking.locked():
            self._watching.cancel()  # (never in the middle of a restart: it would be half done)
        self._watching = asyncio.create_task(self._watch())

    def leaving(self, container_id: str) -> None:
        """The container is being stopped or removed: an aardvark that exits with the last of
        a network's containers (compose down) is no race to repair, nor is this container's
        network a reason to reload."""
        self._started = [i for i in self._started if i != container_id]

    async def settle(self, container_id: str) -> None:
        """After a start whose next step needs DNS at once (a build's RUN on the network):
        give aardvark the first checks' time, restarting it if the race took it."""
        self.started(container_id)
        waited = 0.0
        for at in CHECKS[:2]:
            await asyncio.sleep(at - waited)
            waited = at
            if await self.check():
                return

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
        async with self._checking:  # the settle of a build and the watch may look at once
            folder = await self._folder()
            if not folder or not self._started:
                return False
            snap = await self._snapshot() if self._snapshot is not None else None
            if snap is not None:
                self._warn_leftovers(folder, snap)
            if not aardvark_missing(folder, self._started):
                return False
            candidates = self._needing_dns(folder, snap)
            if not candidates:
                self._started = []
                return False
            # one still alive on its way out would take netavark's signal and serve nothing
            await _end_deaf(folder)
            for ident in reversed(candidates):  # the newest first: the likeliest to still run
                result = await self.podman.run(["network", "reload", "--", ident], check=False)
                if result.returncode == 0:
                    log.warning("aardvark-dns was gone (podman's network race): restarted it")
                    self._started = []
                    return True
            log.warning("aardvark-dns is gone and `podman network reload` did not restart it")
            return False

    def _warn_leftovers(self, folder: str, snap: Snapshot) -> None:
        """Say once which entries netavark left behind: a network no container is on keeps
        its file only when a teardown failed, and a network with its gateway resolves
        nothing (`dockershim doctor` names the files; they are netavark's to own)."""
        found = leftover_networks(folder, snap)
        if found and found != self._leftovers_told:
            log.warning(
                "aardvark-dns keeps the entries of networks no container is on (%s): names on "
                "a network with the same gateway do not resolve; see `dockershim doctor`",
                ", ".join(found),
            )
        self._leftovers_told = found

    def _needing_dns(self, folder: str, snap: Snapshot | None) -> list[str]:
        """The containers started here that run on a network with DNS entries now."""
        if snap is None:  # only the CLI could tell: try them all
            return list(self._started)
        networks = dns_networks(folder)
        records = [snap.containers.get(ident) for ident in self._started]
        return [
            r.id
            for r in records
            if r is not None and snap.status_now(r) == "running" and networks & set(r.networks)
        ]


async def _end_deaf(folder: str) -> None:
    """End an aardvark-dns that runs but serves none of the networks asked for (it is exiting
    after its last container: closing its sockets first, gone within ~2 s), and wait until no
    process holds its pid: netavark signals the pid in its file, and a zombie takes the signal
    too, so netavark would start no new server while one is left."""
    try:
        with open(os.path.join(folder, _PID_FILE)) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/stat") as f:
            if f.read().partition("(")[2].rpartition(")")[0] != "aardvark-dns":
                return  # gone, and the pid taken by another process
    except (OSError, ValueError):
        return
    if _aardvark_pid(folder) == pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    for _ in range(60):  # up to 3 s
        if not os.path.exists(f"/proc/{pid}"):
            return
        await asyncio.sleep(0.05)


def _aardvark_pid(folder: str) -> int | None:
    """The pid of a live aardvark-dns serving `folder` (not a zombie), if one runs."""
    try:
        with open(os.path.join(folder, _PID_FILE)) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/stat") as f:
            comm, _, rest = f.read().partition("(")[2].rpartition(")")
    except (OSError, ValueError):
        return None
    alive = comm == "aardvark-dns" and rest.split()[:1] not in (["Z"], ["X"])
    return pid if alive else None
