"""Keep rootless podman 4's network namespace: while this service runs, and across
`docker network disconnect`.

Rootless podman before 5 puts every bridge network in one shared namespace (slirp4netns
outside; the bridges and aardvark-dns inside). After tearing an endpoint down it removes that
namespace unless some *other* container still has a network namespace: it counts the
container being torn down as the caller (libpod `RootlessNetNS.Cleanup`). A disconnect leaves
that container running, so disconnecting the only running bridge container removes the
namespace under it: it keeps an address nothing routes to, the next container gets a new
namespace that cannot reach it, aardvark-dns loses its folder (it exits at its next reload and
leaves its pid file, so later teardowns fail with "aardvark pid not found") and the
container's last teardown fails, leaving its DNS entries behind. dockerd has no such namespace;
after its disconnect the container still reaches its other networks.

So in exactly that case a pod whose infra container sits on podman's default network (which
has no DNS) holds the namespace while podman disconnects, and is removed after; the container
itself then still counts when the pod goes. No listing, count or event shows the pod
(translate/internal_pods.py).

The same namespace costs every one-shot container that runs alone: podman sets it up (a
slirp4netns process, the bridge) when the first bridge container starts and takes it down
when the last one stops, ~200 ms of a `docker run --rm` here (437 ms alone against 221 with
another container on the bridge; `run -d` + `stop` + `rm` 376-418 against 267). dockerd's
bridge stays up. So once this service has created or started a container on a bridge network,
a pod of its own (`NetnsHold.started`, named with the service's pid) holds the namespace until
the service exits; a later service removes the pod of one that was killed before it could. The
pod is made and removed through podman's service child when it runs (~0.1 s, against ~0.35 s
of CPU for two podman processes), so it is up before a cold service's first short
`docker run --rm` exits and that exit does not take the namespace down. A cold service's first
create begins it sooner still, while the full app is being imported (api/lazyapp.py, the
podman calls in podman/netns_holder.py): this keeper takes that pod over (`ahead`), or removes
it when the container turns out to be on no bridge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

from dockershim.engine.containers import Containers
from dockershim.errors import DockerError, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.netns_holder import remove_holder, start_holder
from dockershim.podman.runner import pid_alive
from dockershim.podman.service_child import PodmanService
from dockershim.translate.internal_pods import (
    INFRA_SUFFIX,
    NETNS_HOLD_POD_PREFIX,
    NETNS_KEEP_POD_PREFIX,
    keep_pod_name,
)

log = logging.getLogger(__name__)


class NetnsHold:
    """Holds the namespace around a lone disconnect, and from the first start of a bridge
    container until `close()` (the service's end)."""

    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        shared_netns: Callable[[], Awaitable[bool]],
        service: PodmanService | None = None,
        ahead: asyncio.Future[str | None] | None = None,
    ) -> None:
        self.podman = podman
        self.service = service  # pods made through podman's service child when it runs
        self.containers = containers
        self._shared_netns = shared_netns  # rootless podman < 5 (engine/__init__.py)
        self._pod: str | None = None  # the service's own pod, made (or being made)
        self._held = False
        self._keeping: asyncio.Task[None] | None = None
        self._done = False  # held, or never will be (podman 5, not rootless, a failure)
        # the keeper pod a cold service began before this engine was built (api/lazyapp.py):
        # taken over by the first look, or removed at close
        self._ahead = ahead

    @contextlib.asynccontextmanager
    async def around_disconnect(self, container: str) -> AsyncIterator[None]:
        """Run a disconnect of `container` with the namespace held when it would go."""
        pod = await self._hold() if await self.alone(container) else None
        try:
            yield
        finally:
            if pod is not None:
                await self._release(pod)

    async def alone(self, container: str) -> bool:
        """Whether `container` is the only running one with a bridge network, on a podman
        whose disconnect would then remove the shared namespace."""
        if not await self._shared_netns():
            return False
        try:
            target = await self.containers.lookup(container)
        except NotFound:
            return False  # podman answers the disconnect itself
        attached = await self.containers.on_networks(running_only=True)
        mine = [nets for found, nets in attached if found.id == target.id]
        if target.status != "running" or not mine or not mine[0]:
            return False  # podman tears nothing down (stopped, paused) or not on a bridge
        return not any(nets for found, nets in attached if found.id != target.id)

    async def _hold(self) -> str | None:
        """Start the holding pod; its name, or None when it could not start (the disconnect
        then goes on as podman alone would do it)."""
        pod = NETNS_HOLD_POD_PREFIX + secrets.token_hex(6)
        started = await start_holder(self.podman, self.service, pod, pod + INFRA_SUFFIX)
        return pod if started else None

    async def _release(self, pod: str) -> None:
        await remove_holder(self.podman, self.service, pod)

    @property
    def holding(self) -> str | None:
        return self._pod if self._held else None

    def started(self, container_id: str) -> None:
        """This service created or started a container: hold the namespace if that one is on
        a bridge (engine/starts.py)."""
        if not self._done and self._keeping is None:
            self._keeping = asyncio.create_task(self._keep(container_id))

    async def close(self) -> None:
        """The service ends: the namespace goes with the last container, as without us.
        A pod being made is waited for, not cancelled: a `podman pod create` killed halfway
        leaves a pod without its infra container, which `pod rm` then does not find."""
        self._done = True
        if self._keeping is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._keeping)
        ahead = await self._take_ahead()
        if ahead is not None:  # never taken over: no create came through
            await remove_holder(self.podman, self.service, ahead)
        if self._pod is not None:
            pod, self._pod, self._held = self._pod, None, False
            await remove_holder(self.podman, self.service, pod)

    async def _keep(self, container_id: str) -> None:
        try:
            if not await self._shared_netns():
                self._done = True
                return
            attached = await self.containers.on_networks(running_only=False)
            await self._remove_orphans([found.name for found, _ in attached])
            bridged = any(nets for found, nets in attached if found.id == container_id)
            ahead = await self._take_ahead()
            if not bridged:
                if ahead is not None:  # begun for a container on no bridge after all
                    await remove_holder(self.podman, self.service, ahead)
                # none, host, slirp4netns: no namespace to keep; or gone already (a `--rm`
                # one that exited at once), its network unknown: a later start looks again
                return
            if ahead is not None:  # running already: taken over
                self._pod, self._held = ahead, True
            else:
                self._pod = keep_pod_name(os.getpid(), secrets.token_hex(4))
                self._held = await start_holder(
                    self.podman, self.service, self._pod, self._pod + INFRA_SUFFIX
                )
            self._done = True  # held, or failed: not tried again in this service's life
            if self._held:
                log.info("holding podman's rootless network namespace (pod %s)", self._pod)
            else:
                self._pod = None  # start_holder removed what it made
        except Exception as exc:  # a background task: its failure is told, never raised
            self._done = True
            reason = exc.message if isinstance(exc, DockerError) else repr(exc)
            log.warning("could not look at podman's network namespace: %s", reason)
        finally:
            self._keeping = None

    async def _take_ahead(self) -> str | None:
        """The pod begun ahead of this engine once it runs (None: none, or it failed)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        await asyncio.wait([ahead])  # its outcome, whatever it is, not raised here
        return None if ahead.cancelled() or ahead.exception() else ahead.result()

    async def _remove_orphans(self, names: list[str]) -> None:
        """Pods of services that were killed before they could remove theirs."""
        for name in names:
            match = _KEEP_INFRA.fullmatch(name.removeprefix("/"))
            if match is not None and not pid_alive(int(match["pid"])):
                await remove_holder(self.podman, self.service, match["pod"])


_KEEP_INFRA = re.compile(
    rf"(?P<pod>{re.escape(NETNS_KEEP_POD_PREFIX)}(?P<pid>[0-9]+)-[0-9a-f]+){INFRA_SUFFIX}"
)
