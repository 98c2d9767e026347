"""docker create on podman: the Docker body translated (translate/container_create.py) with what
only the engine can tell, then made by engine/lifecycle.py. The engine knows the image as podman
names it, the hosts and variables of `--link` targets, the cgroup version podman runs on and
the host's address for `host-gateway`; and it makes a missing `Binds` source directory, as
dockerd does. The route stays HTTP only (parse, ask, render).
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from dockershim.engine.images import Images
from dockershim.engine.lifecycle import Lifecycle
from dockershim.engine.network_ops import NetworkOps
from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate import network_names
from dockershim.translate.container_create import create_argv
from dockershim.translate.links import create_links

_SIOCGIFADDR = 0x8915


@dataclass(frozen=True)
class Created:
    id: str
    warnings: list[str]


class Creates:
    def __init__(
        self,
        images: Images,
        network_ops: NetworkOps,
        lifecycle: Lifecycle,
        cgroup_v2: Callable[[], Awaitable[bool]],
    ) -> None:
        self.images = images
        self.network_ops = network_ops
        self.lifecycle = lifecycle
        self._cgroup_v2 = cgroup_v2

    async def create(self, body: dict[str, Any], name: str | None) -> Created:
        """The container a Docker create body describes; its id and dockerd's Warnings."""
        image = await self.images.resolve(str(body.get("Image") or ""))
        links = create_links(body)  # HostConfig.Links: their targets' addresses and variables
        facts = await self.network_ops.link_facts(*links, name) if links else None
        plan = create_argv(
            body,
            name=name,
            image=image,
            cgroup_v2=await self._cgroup_v2(),
            host_gateway=host_gateway_ip() if _wants_host_gateway(body) else None,
            links=facts,
        )
        make_bind_sources(body)
        try:
            ident = await self.lifecycle.create(plan.argv)
        except NotFound as exc:  # a missing network: named as the client named it
            wanted = network_names.requested(body)
            raise NotFound(network_names.in_docker_words(exc.message, wanted)) from None
        return Created(ident, plan.warnings)


def _wants_host_gateway(body: dict[str, Any]) -> bool:
    host = body.get("HostConfig") or {}
    hosts = host.get("ExtraHosts") if isinstance(host, dict) else None
    return isinstance(hosts, list) and any(
        isinstance(e, str) and e.endswith("host-gateway") for e in hosts
    )


def host_gateway_ip() -> str | None:
    """The host address rootless podman gives containers as host.containers.internal:
    the first non-loopback IPv4 address of the host's interfaces."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):
                packed = struct.pack("256s", name.encode()[:15])
                data = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, packed)
                ip = ipaddress.IPv4Address(data[20:24])
                if not ip.is_loopback and not ip.is_link_local:
                    return str(ip)
    return None


def make_bind_sources(body: dict[str, Any]) -> None:
    """dockerd creates a missing host directory of a `Binds` entry (not of a `Mounts` bind)."""
    host = body.get("HostConfig") or {}
    binds = host.get("Binds") if isinstance(host, dict) else None
    for bind in [binds] if isinstance(binds, str) else binds or []:
        source = str(bind).split(":", 1)[0]
        if source.startswith("/") and not os.path.lexists(source):
            try:
                os.makedirs(source, exist_ok=True)
            except OSError as exc:
                raise InvalidParameter(
                    f"error while creating mount source path '{source}': {exc.strerror}"
                ) from None
