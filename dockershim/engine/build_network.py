"""Build steps on a user-defined network: `POST /build?networkmode=<network>`.

dockerd runs each `RUN` of such a build on that network (other containers reachable, by name
too). Rootless podman 4.3's builder cannot join a netavark network itself ("cannot use
networks as rootless"), but it can run its steps in an existing network namespace
(`--network ns:<path>`). So the engine starts a pod whose infra container sits on the network
(its pause image podman builds locally, offline), runs the steps in that namespace with the
network's aardvark-dns (its gateway) as name server, and removes the pod when the build ends.
No listing, count or event shows the pod's infra container (translate/internal_pods.py): dockerd
lists no container for a build's network either.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from dockershim.engine.dns_watch import DnsWatch
from dockershim.errors import NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate import network_names as nn
from dockershim.translate.internal_pods import BUILD_POD_PREFIX as POD_PREFIX
from dockershim.translate.internal_pods import INFRA_SUFFIX


def _gateway(network: dict[str, Any]) -> str | None:
    """The address aardvark-dns answers on, when the network has DNS."""
    if not network.get("dns_enabled"):
        return None
    for subnet in network.get("subnets") or []:
        if isinstance(subnet, dict) and subnet.get("gateway"):
            return str(subnet["gateway"])
    return None


class BuildNetworks:
    def __init__(
        self,
        podman: PodmanRunner,
        find: Callable[[str], Awaitable[dict[str, Any] | None]],
        dns: DnsWatch,
    ) -> None:
        self.podman = podman
        self._find = find  # Networks.find: a Docker reference -> podman's network JSON
        self._dns = dns

    @contextlib.asynccontextmanager
    async def joined(self, reference: str) -> AsyncIterator[list[str]]:
        """`podman build` options that run its steps on the network `reference` names."""
        network = await self._find(reference)
        if network is None:
            raise NotFound(f"network {reference} not found")
        pod = POD_PREFIX + secrets.token_hex(6)
        infra = pod + INFRA_SUFFIX
        create = ["pod", "create", "--name", pod, "--infra-name", infra]
        await self.podman.run([*create, "--network", str(network["name"])], timeout=60)
        try:
            await self.podman.run(["pod", "start", "--", pod], timeout=60)
            found = await self.podman.run(
                ["container", "inspect", "--format", "{{.Id}} {{.State.Pid}}", "--", infra],
                timeout=60,
            )
            infra_id, _, pid = found.text.strip().partition(" ")
            if not pid.isdigit() or pid == "0":
                raise NotFound(f"network {nn.docker_name(network)}: the build pod did not start")
            options = ["--network", f"ns:/proc/{pid}/ns/net"]
            gateway = _gateway(network)
            if gateway:
                options += ["--dns", gateway]
                # the pod's start reloads aardvark-dns, which the first RUN may ask at once
                await self._dns.settle(infra_id)
            yield options
        finally:
            await self.podman.run(["pod", "rm", "--force", "--", pod], check=False, timeout=60)
