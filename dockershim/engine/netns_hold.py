"""Keep rootless podman 4's network namespace across `docker network disconnect`.

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
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

from dockershim.engine.containers import Containers
from dockershim.errors import DockerError, NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate.internal_pods import INFRA_SUFFIX, NETNS_HOLD_POD_PREFIX

log = logging.getLogger(__name__)

_TIMEOUT = 60.0


class NetnsHold:
    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        shared_netns: Callable[[], Awaitable[bool]],
    ) -> None:
        self.podman = podman
        self.containers = containers
        self._shared_netns = shared_netns  # rootless podman < 5 (engine/__init__.py)

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
        create = ["pod", "create", "--name", pod, "--infra-name", pod + INFRA_SUFFIX]
        try:
            await self.podman.run([*create, "--network", "bridge"], timeout=_TIMEOUT)
            await self.podman.run(["pod", "start", "--", pod], timeout=_TIMEOUT)
        except DockerError as exc:
            log.warning("could not hold podman's rootless network namespace: %s", exc.message)
            await self._release(pod)
            return None
        return pod

    async def _release(self, pod: str) -> None:
        await self.podman.run(["pod", "rm", "--force", "--", pod], check=False, timeout=_TIMEOUT)
