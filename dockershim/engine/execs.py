"""Exec sessions on podman: `podman exec` (detached, or a child the stream layer pumps) and
what podman's state database knows of a session (its CLI has no `exec inspect`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.engine.child import drained
from dockershim.engine.containers import Containers
from dockershim.errors import Conflict, DockerError
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.podman.statedb import container_state
from dockershim.translate.attach import ContainerFacts
from dockershim.translate.exec import exec_argv, session_id

log = logging.getLogger(__name__)

# execs whose client went away that the service keeps running at once; past that, a further
# one's `podman exec` is stopped at once and its end read from podman's session
_UNATTENDED_MAX = 16
_FOLLOW_POLL = 0.1  # seconds between looks whether podman's session can follow the process
_LAST_LOOK = 0.5  # seconds the child is kept once the session follows: its end, if it comes


class Execs:
    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        database: Callable[[], Awaitable[str | None]],
    ) -> None:
        self.podman = podman
        self.containers = containers
        self._database = database
        self._unattended: dict[asyncio.Task[None], SpawnedProcess] = {}

    async def running_container(self, ref: str) -> ContainerFacts:
        """The container `ref` names; 409 (dockerd's words) unless it is running."""
        facts = await self.containers.facts(ref)
        if facts.status == "paused":
            raise Conflict(f"Container {facts.id} is paused, unpause the container before exec")
        if not facts.running:
            raise Conflict(f"Container {facts.id} is not running")
        return facts

    async def stored_state(self, container_id: str) -> dict[str, Any] | None:
        """The container's state record (its exec sessions), None when it cannot be read."""
        try:
            path = await self._database()
            if path is None:
                return None
            return await asyncio.to_thread(container_state, path, container_id)
        except DockerError as exc:
            log.debug("exec: podman's state of %s unread: %s", container_id[:12], exc.message)
            return None

    async def start_detached(self, container_id: str, config: dict[str, Any]) -> str | None:
        """`podman exec --detach`; podman's session id."""
        argv = exec_argv(container_id, config, detach=True)
        return session_id((await self.podman.run(argv, timeout=60)).text)

    def run_unattended(
        self,
        child: SpawnedProcess,
        ended: Callable[[int], object],
        follow: Callable[[], Awaitable[bool]],
    ) -> bool:
        """An exec whose client went away runs on, as with dockerd: its `podman exec` child is
        kept (its output read to nowhere) until the process ends (`ended(exit code)`) or until
        `follow()` ties the exec to podman's running session (True), which records the end
        itself; then the child stops (the process runs on). Stopping it at once would leave a
        process that had not started yet never started, and one that ended before its session
        was seen never ended for inspect. False when as many are kept already."""
        if len(self._unattended) >= _UNATTENDED_MAX:
            return False
        task = asyncio.create_task(self._run_on(child, ended, follow))
        self._unattended[task] = child
        task.add_done_callback(lambda done: self._unattended.pop(done, None))
        return True

    async def _run_on(
        self,
        child: SpawnedProcess,
        ended: Callable[[int], object],
        follow: Callable[[], Awaitable[bool]],
    ) -> None:
        end = asyncio.ensure_future(drained(child))
        try:
            while not end.done():
                await asyncio.wait({end}, timeout=_FOLLOW_POLL)
                if not end.done() and await follow():
                    # podman's session said running; a process that ended that moment is
                    # recorded by no one once `podman exec` stops (the session stays
                    # "running"), but then the child itself ends within this look
                    await asyncio.wait({end}, timeout=_LAST_LOOK)
                    if not end.done():
                        return
            ended(end.result())
        except Exception:
            log.exception("exec: an unattended exec's end was not recorded")
        finally:
            end.cancel()
            await asyncio.gather(end, return_exceptions=True)
            await child.close()

    async def close(self) -> None:
        """The service ends: unattended execs' `podman exec` children stop (their processes
        run on in the container, as when a client detaches)."""
        kept = dict(self._unattended)
        for task in kept:
            task.cancel()
        await asyncio.gather(*kept, return_exceptions=True)
        for child in kept.values():  # also those whose task had not begun
            await child.close()

    async def spawn(
        self, container_id: str, config: dict[str, Any], window: tuple[int, int] | None
    ) -> SpawnedProcess:
        """A `podman exec` child for the stream layer (on a pseudo-terminal with `Tty`)."""
        tty = bool(config["Tty"])
        return await self.podman.spawn(
            exec_argv(container_id, config, detach=False),
            stdin=bool(config["AttachStdin"]),
            use_pty=tty,
            window=window if tty else None,
        )
