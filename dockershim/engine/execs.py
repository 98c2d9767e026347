"""Exec sessions on podman: `podman exec` (detached, or a child the stream layer pumps) and
what podman's state database knows of a session (its CLI has no `exec inspect`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.engine.containers import Containers
from dockershim.errors import Conflict, DockerError
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.podman.statedb import container_state
from dockershim.translate.attach import ContainerFacts
from dockershim.translate.exec import exec_argv, session_id

log = logging.getLogger(__name__)


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
