"""Containers as podman sees them: lookups, inspects and lists, mostly without a process.

Every read starts from one snapshot of podman's state database (podman/libpod_state.py): it
says which containers exist (so a container made by the podman CLI a moment ago is seen, and
one removed is never shown), their names and states. podman's inspect JSON of a container is
taken with the CLI once and kept with the container's fingerprint (its stored config, state,
networks and exec sessions, its exit file and healthcheck log); while the fingerprint is the
same the kept JSON is what podman would print, so steady reads start no process, and a read
after a change starts one `podman container inspect` for all the containers that changed.

When the database cannot be read (podman 5's SQLite, another format, a lock held too long),
every read goes to the CLI as before, and the reason is logged once and kept for `doctor`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dockershim.engine import kept as kept_store
from dockershim.engine.container_cli import ContainerCLI, InspectBatches
from dockershim.engine.health import health_due, refresh_health
from dockershim.engine.kept import Kept, Views
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.inspect_overlay import KEEP, overlay
from dockershim.podman.libpod_state import (
    ContainerRecord,
    Snapshot,
    StateLocked,
    StateUnreadable,
    snapshot,
)
from dockershim.podman.service_child import PodmanService
from dockershim.podman.statedb import lock_pauses
from dockershim.translate.attach import ContainerFacts, console_size, container_facts
from dockershim.translate.container_fields import ANN_CONSOLE_SIZE
from dockershim.translate.internal_pods import is_internal_listing, is_internal_name

log = logging.getLogger(__name__)

_REF = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$")


def check_ref(ref: str) -> str:
    """A container name or id from a URL path (a leading "/" allowed, as Docker names carry
    one); anything else cannot name a container, and can never be read as an option."""
    ref = ref.removeprefix("/")
    if not _REF.match(ref):
        raise NotFound(f"No such container: {ref}")
    return ref


@dataclass(frozen=True)
class ContainerRef:
    """What a lookup tells without an inspect."""

    id: str
    name: str
    status: str  # podman's word (created, running, exited, ...)
    exit_code: int = 0


class Containers:
    def __init__(
        self,
        podman: PodmanRunner,
        database: Callable[[], Awaitable[str | None]],
        state_dir: str | None = None,
        service: PodmanService | None = None,
    ) -> None:
        self.podman = podman
        self._database = database
        self._state_dir = state_dir
        self._kept: dict[str, Kept] = {}
        self._views = Views()
        self._cli = ContainerCLI(podman, service)
        self._reads = _SharedReads()
        self._loaded = state_dir is None
        self._saving: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._inspects = InspectBatches(self._cli.inspect_many)
        self.fallback: str | None = None  # why reads go to the CLI, once known
        self._latest: tuple[float, Snapshot | None] = (0.0, None)

    # -- state ------------------------------------------------------------------------------

    async def snapshot(self) -> Snapshot | None:
        """podman's state now, or None when only its CLI can tell (see `fallback`)."""
        path = await self._database()
        if path is None:
            self._fall_back("podman's state is not in a BoltDB file this service can read")
            return None
        try:
            snap = await self._reads.read(path)
        except StateUnreadable as exc:
            log.warning("podman's state database unreadable this time (%s): using its CLI", exc)
            return None
        if not self._loaded and self._state_dir:  # what the previous service kept
            self._loaded = True
            self._kept = {**await asyncio.to_thread(kept_store.load, self._state_dir), **self._kept}
        self._latest = (asyncio.get_running_loop().time(), snap)
        return snap

    async def recent_snapshot(self, age: float) -> Snapshot | None:
        """A snapshot read at most `age` seconds ago: for polls (a wait, a start under way),
        so that many of them at once cost one read per interval, not one each."""
        taken, snap = self._latest
        if snap is not None and asyncio.get_running_loop().time() - taken <= age:
            return snap
        return await self.snapshot()

    def _fall_back(self, reason: str) -> None:
        if self.fallback is None:
            log.warning("%s: container reads use the podman CLI (slower)", reason)
        self.fallback = reason

    # -- lookups ----------------------------------------------------------------------------

    async def lookup(self, ref: str) -> ContainerRef:
        """The container `ref` names (id, name or unique id prefix), as podman resolves it."""
        ref = check_ref(ref)
        snap = await self.snapshot()
        if snap is None:
            raw = await self._cli.inspect(ref)
            state = raw.get("State") or {}
            return ContainerRef(
                str(raw["Id"]),
                str(raw.get("Name", "")),
                str(state.get("Status")),
                int(state.get("ExitCode") or 0),
            )
        record = find(snap, ref)
        status = snap.status_now(record)
        if status != record.status:  # exited a moment ago: only podman can read the code
            raw = await self.inspect(record.id)
            status = str((raw.get("State") or {}).get("Status"))
            return ContainerRef(record.id, record.name, status, _exit_code(raw))
        return ContainerRef(record.id, record.name, status, record.exit_code)

    async def facts(self, ref: str) -> ContainerFacts:
        """What attach and exec need to know of a container, from its stored config."""
        ref = check_ref(ref)
        snap = await self.snapshot()
        if snap is None:
            return container_facts(await self._cli.inspect(ref))
        record = find(snap, ref)
        return ContainerFacts(
            id=record.id,
            status=snap.status_now(record),
            tty=record.tty,
            open_stdin=record.open_stdin,
            console_size=console_size(record.annotations.get(ANN_CONSOLE_SIZE)),
        )

    async def inspect(self, ref: str, *, size: bool = False) -> dict[str, Any]:
        """podman's inspect JSON of one container; NotFound when there is none."""
        ref = check_ref(ref)
        snap = None if size else await self.snapshot()
        if snap is None:
            return await self._cli.inspect(ref, size=size)
        record = find(snap, ref)
        found = await self._kept_inspects(snap, [record])
        if record.id not in found:
            raise NotFound(f"No such container: {ref}")
        parsed: dict[str, Any] = json.loads(found[record.id].text)  # the caller's own copy
        return parsed

    async def inspect_many(self, ids: list[str], *, size: bool = False) -> list[dict[str, Any]]:
        """Inspect several containers; ones removed meanwhile are skipped."""
        snap = None if size else await self.snapshot()
        if snap is None:
            return await self._cli.inspect_many(ids, size=size)
        records = [snap.containers[i] for i in ids if i in snap.containers]
        return [json.loads(k.text) for k in (await self._kept_inspects(snap, records)).values()]

    def warm(self, ids: list[str]) -> None:
        """Take podman's inspect of these now, in the background, if they still run (after a
        start: compose ps follows compose up); a look meanwhile joins it."""
        task = asyncio.ensure_future(self._warm(ids))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _warm(self, ids: list[str]) -> None:
        try:
            snap = await self.snapshot()
            if snap is None:
                return
            records = [snap.containers[i] for i in ids if i in snap.containers]
            # one that already exited again (a run of a short command) is not worth a process
            await self._kept_inspects(snap, [r for r in records if snap.status_now(r) in _ACTIVE])
        except Exception as exc:  # only ever a head start: the next read asks again
            log.debug("warming inspects of %s: %s", ids, exc)

    async def inspect_all(
        self, *, running_only: bool = False, size: bool = False
    ) -> list[Mapping[str, Any]]:
        """Inspect JSON of every container (`running_only`: running and paused ones), to
        look at only: the kept JSON is shared, not copied, by every list."""
        snap = await self.snapshot()
        if snap is None:
            return [*await self._cli.inspect_many(await self._cli.ids(running_only), size=size)]
        records = [r for r in snap.containers.values() if r.active or not running_only]
        if size:  # sizes are podman's to measure (the service child's inspects, in parallel)
            raws: list[Mapping[str, Any]] = []
            raws += await self._cli.inspect_many([r.id for r in records], size=True)
        else:
            kept = await self._kept_inspects(snap, records)
            raws = [self._views.of(ident, entry) for ident, entry in kept.items()]
        if running_only:  # an exit file found on the way: no longer running
            raws = [r for r in raws if (r.get("State") or {}).get("Status") in _ACTIVE]
        return raws

    async def inspect_fresh(self, ref: str, *, size: bool = False) -> dict[str, Any]:
        """`inspect`, after running a healthcheck that is due (engine/health.py)."""
        raw = await self.inspect(ref, size=size)
        if await refresh_health(self.podman, raw, service=self._cli.service):
            raw = await self.inspect(str(raw["Id"]), size=size)
        return raw

    async def inspect_all_fresh(
        self, *, running_only: bool = False, size: bool = False
    ) -> list[Mapping[str, Any]]:
        """`inspect_all`, after running the healthchecks that are due."""
        raws = await self.inspect_all(running_only=running_only, size=size)
        now = time.time()
        due = [r for r in raws if health_due(r, now)]
        if due:
            service = self._cli.service
            await asyncio.gather(*(refresh_health(self.podman, r, service=service) for r in due))
            fresh = await self.inspect_many([str(r["Id"]) for r in due], size=size)
            by_id: dict[str, Mapping[str, Any]] = {r["Id"]: r for r in fresh}
            raws = [by_id.get(r["Id"], r) for r in raws]
        return raws

    async def ids(self, *, running_only: bool = False) -> list[str]:
        snap = await self.snapshot()
        if snap is None:
            return await self._cli.ids(running_only)
        return [r.id for r in snap.containers.values() if r.active or not running_only]

    async def on_networks(self, *, running_only: bool) -> list[tuple[ContainerRef, list[str]]]:
        """Containers with the podman names of the networks each is connected to."""
        snap = await self.snapshot()
        if snap is None:
            args = ["ps", "--format", "json"] + ([] if running_only else ["--all"])
            listed = await self.podman.run_json(args) or []
            return [
                (
                    ContainerRef(str(c["Id"]), str((c.get("Names") or [""])[0]), str(c["State"])),
                    [str(n) for n in c.get("Networks") or []],
                )
                for c in listed
                if isinstance(c, dict)
            ]
        out = []
        for record in snap.containers.values():
            status = snap.status_now(record)
            if running_only and status not in _ACTIVE:
                continue
            found = ContainerRef(record.id, record.name, status, record.exit_code)
            out.append((found, list(record.networks)))
        return out

    async def statuses(self) -> list[str]:
        """podman's status word of every container (for /info's counts)."""
        snap = await self.snapshot()
        if snap is None:
            listed = await self.podman.run_json(["ps", "-a", "--format", "json"])
            return [
                str(c.get("State") or "")
                for c in listed or []
                if isinstance(c, dict) and not is_internal_listing(c)
            ]
        records = snap.containers.values()
        return [snap.status_now(r) for r in records if not is_internal_name(r.name)]

    # -- the kept inspects ------------------------------------------------------------------

    async def _kept_inspects(
        self, snap: Snapshot, records: list[ContainerRecord]
    ) -> dict[str, Kept]:
        """What is kept of these containers by id, in their order, brought up to date
        (removed ones left out)."""
        prints = {r.id: snap.fingerprint(r) for r in records}
        stale = []
        for record in records:
            kept = self._kept.get(record.id)
            if kept is not None and kept.fingerprint != prints[record.id]:
                kept = self._patched(snap, record, kept, prints[record.id])
            if kept is None:
                stale.append(record.id)
        if stale:
            by_id = {r.id: r for r in records}
            marks = {i: prints[i] for i in stale}
            for raw in await self._inspects.get(stale, marks):
                found = by_id.get(str(raw.get("Id", "")))
                if found is not None:
                    self._keep(snap, found, prints[found.id], raw)
        for gone in set(self._kept) - set(snap.containers):
            del self._kept[gone]
            self._views.drop(gone)
        return {r.id: self._kept[r.id] for r in records if r.id in self._kept}

    def _keep(
        self, snap: Snapshot, record: ContainerRecord, fingerprint: str, raw: dict[str, Any]
    ) -> Kept:
        kept = Kept(
            fingerprint, _digest(record.setup), record.state_json, snap.health_mark(record),
            json.dumps(raw), record.netns,
        )  # fmt: skip
        self._kept[record.id] = kept
        self._save_soon()
        return kept

    def _save_soon(self) -> None:
        """Write what is kept to disk once changes settle (one write per burst)."""
        if self._state_dir is None:
            return
        if self._saving is not None:
            self._saving.cancel()
        self._saving = asyncio.get_running_loop().call_later(_SAVE_AFTER, self._save)

    def _save(self) -> None:
        self._saving = None
        if self._state_dir is not None:
            copy = dict(self._kept)
            task = asyncio.ensure_future(asyncio.to_thread(kept_store.save, self._state_dir, copy))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _patched(
        self, snap: Snapshot, record: ContainerRecord, kept: Kept, fingerprint: str
    ) -> Kept | None:
        """The kept JSON brought to the stored state, where that needs no podman process."""
        if kept.setup != _digest(record.setup) or snap.exit_pending(record):
            return None
        health: Any = KEEP
        if snap.health_mark(record) != kept.health_mark:
            try:
                with open(snap.health_log(record), "rb") as log_file:
                    health = json.loads(log_file.read(_HEALTH_LOG_MAX))
            except (OSError, ValueError):
                return None
        netns = (kept.netns, record.netns)
        raw = overlay(json.loads(kept.text), kept.state, record.state_json, health, netns)
        return None if raw is None else self._keep(snap, record, fingerprint, raw)


_ACTIVE = ("running", "paused", "stopping")
_READ_WAIT = 2.0  # seconds a read waits for podman's lock before the CLI is asked instead
_SAVE_AFTER = 1.0  # seconds without a new kept inspect before writing them to disk
_HEALTH_LOG_MAX = 1 << 20  # podman keeps a few results; a larger file is not one of its logs


class _SharedReads:
    """One read of podman's database at a time, shared by every request that came while the
    previous one ran (each still gets a read that began after it asked): podman's writers
    wait for our shared lock, so concurrent clients must not keep it held back to back."""

    def __init__(self) -> None:
        self._next: asyncio.Future[Snapshot] | None = None
        self._running: asyncio.Task[None] | None = None

    async def read(self, path: str) -> Snapshot:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        future = self._next
        if self._running is None:
            self._running = asyncio.create_task(self._drain(path))
        return await asyncio.shield(future)

    async def _drain(self, path: str) -> None:
        try:
            while self._next is not None:
                future, self._next = self._next, None
                try:
                    future.set_result(await _read_now(path))
                except Exception as exc:
                    future.set_exception(exc)
        finally:
            self._running = None


async def _read_now(path: str) -> Snapshot:
    """A read takes well under a millisecond: done in the event loop, tried again after short
    pauses while a podman process holds the lock for a write (a few ms at most)."""
    pauses = lock_pauses(_READ_WAIT)
    while True:
        try:
            return snapshot(path, wait=0)
        except StateLocked:
            pause = next(pauses, None)
            if pause is None:
                raise
            await asyncio.sleep(pause)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _exit_code(raw: dict[str, Any]) -> int:
    return int((raw.get("State") or {}).get("ExitCode") or 0)


def find(snap: Snapshot, ref: str) -> ContainerRecord:
    """podman's order: a full id, then a name, then a unique id prefix."""
    if ref in snap.containers:
        return snap.containers[ref]
    if ref in snap.names:
        return snap.containers[snap.names[ref]]
    matches = [r for i, r in snap.containers.items() if i.startswith(ref)]
    if len(matches) > 1:
        raise InvalidParameter(f"multiple IDs found with provided prefix: {ref}")
    if not matches:
        raise NotFound(f"No such container: {ref}")
    return matches[0]
