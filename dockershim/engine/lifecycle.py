"""Docker's container lifecycle on podman: start, stop, restart, kill, pause, unpause, rename,
remove, and waiting for an exit. Each takes a container the engine already found
(`Containers.lookup`), runs the one podman process the change needs (twins batched:
engine/batches.py) and answers podman's failures in Docker's words.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
from collections.abc import Callable, Sequence

from dockershim.engine.changes import Change, Changes
from dockershim.engine.containers import ContainerRef, Containers
from dockershim.engine.dns_watch import DnsWatch
from dockershim.engine.seccomp_files import ProfileFiles, without_paths
from dockershim.engine.starts import StartWatchers
from dockershim.engine.waits import Waiter
from dockershim.errors import Conflict, DockerError, InvalidParameter, NotFound, NotModified
from dockershim.podman import Completed, PodmanRunner
from dockershim.podman.containers_conf import ContainersConf
from dockershim.podman.errors import PODMAN_FAILED, classify
from dockershim.translate.container_status import docker_state
from dockershim.translate.specgen import specgen

ACTIVE = ("running", "paused", "restarting")
log = logging.getLogger(__name__)

_RENAME = 60.0  # seconds for a rename (podman waits for the container's lock)
_WARM_AFTER = 0.1  # seconds after a start before its inspect is taken in the background
_BURST_GATHER = 0.02  # seconds between looks whether a burst of starts has ended
_BURST_PATIENCE = 2.0  # seconds a burst's inspect waits at most for the burst to end


def _budget(timeout: int | None) -> float:
    """How long a stop or restart may take podman: its grace period and then some."""
    return 120.0 + max(timeout or 10, 0)


def start_error(exc: DockerError) -> DockerError:
    text = exc.message
    if "executable file not found" in text or "no such file or directory" in text:
        return InvalidParameter(text)
    return exc


def _gone(result: Completed) -> bool:
    text = result.err_text
    return "no such container" in text or "no container with" in text


_BAD_INPUT = ("unknown", "invalid", "requires", "parse", "not supported", "must be")


def create_error(stderr: str, returncode: int) -> DockerError:
    """podman create's failure as Docker words it; its "Error:" line, not the usage hint."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith("Error: ")]
    line = lines[-1] if lines else stderr
    missing = re.search(r"statfs (?P<path>\S+): no such file or directory", line)
    if missing:
        return InvalidParameter(
            'invalid mount config for type "bind": bind source path does not exist: '
            + missing["path"]
        )
    error = classify(line, returncode)
    if type(error) is DockerError and any(word in line.lower() for word in _BAD_INPUT):
        return InvalidParameter(error.message)
    return error


_MARKED_FOR_REMOVAL = "container is marked for removal and cannot be started"


class Lifecycle:
    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        changes: Changes,
        dns: DnsWatch,
        starts: StartWatchers,
        profiles: ProfileFiles,
        conf: ContainersConf,
        *,
        removable_at_exit: Callable[[str], bool] = lambda ident: False,
    ) -> None:
        self.podman = podman
        self.profiles = profiles
        self.conf = conf
        self.containers = containers
        self.changes = changes
        self.dns = dns
        self.starts = starts
        # `docker run --rm` started on conmon's socket (engine/attach.py): its wait removes it
        self.removable_at_exit = removable_at_exit
        self.waiter = Waiter(podman, containers, self._remove_exited)
        self._to_warm: set[str] = set()
        self._removing: set[str] = set()  # ids with a removal of ours under way
        self._warming: asyncio.TimerHandle | None = None

    async def create(self, argv: list[str]) -> str:
        """`podman create` with the translated argv (translate/container_create.py); the id."""
        self.changes.service.want()  # the next changes go to podman's service child
        # None: podman cannot read its containers.conf; the CLI says why
        mode = self.conf.image_volume_mode()
        with self.profiles.placed(argv) as (argv, files):
            spec = specgen(argv, image_volume_mode=mode) if mode is not None else None
            made = await self.changes.create(spec) if spec is not None else None
            result = made or await self.podman.run(argv, check=False)
        if result.returncode != 0:
            raise create_error(without_paths(result.err_text, files), result.returncode)
        ident = result.text.strip().splitlines()[-1] if result.text.strip() else ""
        if ident:
            self.starts.created(ident)
        return ident

    async def start(self, found: ContainerRef) -> None:
        if docker_state(found.status) in ACTIVE:
            raise NotModified()
        if self._marked_for_removal(found):
            raise Conflict(_MARKED_FOR_REMOVAL)
        done = await self.changes.run(Change("start", found.id))
        if done.result.returncode != 0:
            raise start_error(classify(done.result.err_text, done.result.returncode))
        self.starts.started(found.id)
        self._warm_soon(found.id, burst=done.together)

    def _warm_soon(self, ident: str, *, burst: bool) -> None:
        """Inspect what was just started, in the background: podman's inspect of a started
        container has a new pid, cgroup and network status, which only its CLI can tell.
        After a burst of starts (compose up) once the burst has ended, all in one inspect:
        clients look at them next (compose ps); after a lone start a moment later, unless it
        changes again first (run -d, then stop)."""
        self._to_warm.add(ident)
        if self._warming is not None and not burst:
            return
        if self._warming is not None:
            self._warming.cancel()
        loop = asyncio.get_running_loop()
        delay = _BURST_GATHER if burst else _WARM_AFTER
        self._warming = loop.call_later(delay, self._warm_now, loop.time() + _BURST_PATIENCE)

    def _warm_now(self, give_up_at: float) -> None:
        loop = asyncio.get_running_loop()
        if self.changes.starts_under_way() and loop.time() < give_up_at:
            self._warming = loop.call_later(_BURST_GATHER, self._warm_now, give_up_at)
            return
        ids, self._to_warm, self._warming = sorted(self._to_warm), set(), None
        if ids:
            self.containers.warm(ids)

    def _marked_for_removal(self, found: ContainerRef) -> bool:
        """Being removed, by us or as podman's state says: dockerd refuses to start it (podman
        would wait for the removal, then find nothing, or refuse the state)."""
        return found.id in self._removing or docker_state(found.status) == "removing"

    def _changing(self, ident: str) -> None:
        """Another change is under way: no inspect of the state before it, and no DNS repair
        on its behalf."""
        self._to_warm.discard(ident)
        self.dns.leaving(ident)

    async def stop(self, found: ContainerRef, timeout: int | None, signal: str | None) -> None:
        self._changing(found.id)
        if docker_state(found.status) not in ACTIVE:
            raise NotModified()
        if signal:
            await self.changes.run(Change("kill", found.id, signal=signal))
        given = timeout is not None and timeout >= 0
        change = Change("stop", found.id, timeout=timeout if given else None)
        result = (await self.changes.run(change, timeout=_budget(timeout))).result
        if result.returncode != 0 and not _gone(result):  # gone: AutoRemove as it stopped
            raise classify(result.err_text, result.returncode)

    async def restart(self, found: ContainerRef, timeout: int | None, signal: str | None) -> None:
        if self._marked_for_removal(found):
            raise Conflict(_MARKED_FOR_REMOVAL)
        self._changing(found.id)
        if signal and docker_state(found.status) in ACTIVE:
            await self.changes.run(Change("kill", found.id, signal=signal))
        given = timeout is not None and timeout >= 0
        change = Change("restart", found.id, timeout=timeout if given else None)
        result = (await self.changes.run(change, timeout=_budget(timeout))).result
        if result.returncode != 0:
            raise start_error(classify(result.err_text, result.returncode))
        self.starts.started(found.id)

    async def kill(self, found: ContainerRef, signal: str, ref: str) -> None:
        self._changing(found.id)
        not_running = f"Cannot kill container: {ref}: Container {found.id} is not running"
        if docker_state(found.status) not in ACTIVE:
            raise Conflict(not_running)
        result = (await self.changes.run(Change("kill", found.id, signal=signal))).result
        if result.returncode != 0:
            text = result.err_text
            if "invalid signal" in text.lower() or "invalid argument" in text:
                raise InvalidParameter(f"Invalid signal: {signal}")
            if "improper" in text or "not running" in text:
                raise Conflict(not_running)
            raise classify(text, result.returncode)

    async def pause(self, found: ContainerRef) -> None:
        if docker_state(found.status) != "running":
            raise Conflict(f"Container {found.id} is not running")
        result = await self.podman.run(["pause", "--", found.id], check=False)
        if result.returncode != 0:
            text = result.err_text
            if "cgroup V1" in text or "cgroup v1" in text:
                raise DockerError(
                    f"Cannot pause container {found.id}: pausing needs the cgroup freezer, "
                    "which rootless podman cannot use on this cgroup v1 host"
                )
            raise classify(text, result.returncode)

    async def unpause(self, found: ContainerRef) -> None:
        if docker_state(found.status) != "paused":
            raise Conflict(f"Container {found.id} is not paused")
        await self.podman.run(["unpause", "--", found.id])

    async def rename(self, found: ContainerRef, new: str) -> None:
        if found.name == new:
            raise InvalidParameter("Renaming a container with the same name as its current name")
        failed = await self._rename(found.id, new)
        if failed is not None:
            text, code = failed
            if "already in use" in text or "already exists" in text:
                other = await self.containers.lookup(new)
                raise Conflict(
                    f'Conflict. The container name "/{new}" is already in use by container '
                    f'"{other.id}". You have to remove (or rename) that container to be able '
                    "to reuse that name."
                )
            raise classify(text, code)

    async def _rename(self, ident: str, new: str) -> tuple[str, int] | None:
        """podman's error text and exit code of the rename, None when done: through its
        service child when it runs (libpod's handler makes the same RenameContainer call as
        `podman rename`; compose renames each container it recreates), else `podman rename`.
        Not repeated by the CLI when the child broke off: the rename may be done."""
        service = self.changes.service
        if service.ready:
            path = f"/containers/{ident}/rename"  # a full id: nothing to escape
            params = {"name": new}
            answer = await service.call("POST", path, params, timeout=_RENAME, repeatable=False)
            if answer is not None:
                error = answer.failure((204,))
                return (f"Error: {error}", PODMAN_FAILED) if error else None
        result = await self.podman.run(["rename", "--", ident, new], check=False)
        return (result.err_text, result.returncode) if result.returncode != 0 else None

    async def remove(self, found: ContainerRef, ref: str, *, force: bool, volumes: bool) -> None:
        if found.id in self._removing:  # dockerd's answer to a second rm while one runs
            raise Conflict(f"removal of container {ref} is already in progress")
        status = docker_state(found.status)
        if status in ACTIVE and not force:
            raise Conflict(
                f'cannot remove container "/{found.name}": container is {status}: stop the '
                "container before removing or force remove"
            )
        result = await self._remove(Change("rm", found.id, force=force, volumes=volumes))
        if result.returncode != 0 and not _gone(result):  # gone: removed meanwhile (AutoRemove)
            error = classify(result.err_text, result.returncode)
            if await self._still_there(found.id):
                raise error
            # podman removes the container even when a clean-up step before it failed (a
            # network teardown, an exec session it could not stop), and says so after
            log.warning("podman removed %s, and reported: %s", found.id[:12], error.message)

    async def _still_there(self, ident: str) -> bool:
        """False only when podman's state (or CLI) says the container is gone; a lookup that
        fails otherwise leaves podman's error standing."""
        try:
            await self.containers.lookup(ident)
        except NotFound:
            return False
        except DockerError:
            pass
        return True

    async def _remove(self, change: Change) -> Completed:
        """One removal of ours at a time per container: while it runs, another `docker rm` is
        a conflict (dockerd's RemovalInProgress) instead of a wait on podman's lock."""
        ident = change.container_id
        self._changing(ident)
        self._removing.add(ident)
        try:
            return (await self.changes.run(change)).result
        finally:
            self._removing.discard(ident)

    async def _remove_exited(self, ident: str) -> None:
        """An auto-removed container that exited, with its anonymous volumes (`docker run
        --rm`), through podman's service child, when it was started on conmon's socket
        (engine/attach.py); else, or without the child, conmon's clean-up process removes it
        a little later. A failure is left to that clean-up too."""
        if not self.changes.service.ready or not self.removable_at_exit(ident):
            return
        if ident in self._removing:
            return
        result = await self._remove(Change("rm", ident, volumes=True))
        if result.returncode != 0 and not _gone(result):
            log.info("removing exited %s: %s", ident[:12], result.err_text.strip())

    async def remove_stopped(self, ids: Sequence[str]) -> list[str]:
        """Remove each of these (prune); the ids podman removed."""
        removed = []
        for ident in ids:
            if ident in self._removing:  # another removal has it
                continue
            result = await self._remove(Change("rm", ident))
            if result.returncode == 0:
                removed.append(ident)
        return removed

    async def wait_exit(self, found: ContainerRef, condition: str, since: datetime.datetime) -> int:
        """Block until the container reaches Docker's wait condition; its exit code.

        `since` is taken before the lookup, so an exit between the lookup and the first look
        at the state is not missed (engine/waits.py).
        """
        if condition == "not-running" and docker_state(found.status) not in ACTIVE:
            return found.exit_code
        return await self.waiter.wait(found, condition, since)
