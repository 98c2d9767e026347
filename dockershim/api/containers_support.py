"""Shared container helpers other modules import: inspect, image resolution, host facts.

`inspect_container(podman, ref)` is podman's raw inspect object (NotFound "No such container:
ref" when absent); `dockershim.translate.container_inspect.inspect_body` turns it into Docker's
shape.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct
from typing import Any

from dockershim.api.deps import Backend
from dockershim.engine import engine_for
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.facts import static_facts
from dockershim.translate.references import looks_like_id, parse_reference

_SIOCGIFADDR = 0x8915


async def inspect_container(
    podman: PodmanRunner, ref: str, *, size: bool = False
) -> dict[str, Any]:
    """podman's raw inspect JSON of one container (by id, unique id prefix or name)."""
    return await engine_for(podman).containers.inspect(ref, size=size)


async def resolve_image(podman: PodmanRunner, image: str) -> str:
    """The name podman knows for a Docker image reference; 404 "No such image" when absent."""
    if not image:
        raise InvalidParameter("Config.Image: an image name is required")
    candidates: list[str] = []
    shown = image
    if looks_like_id(image):
        candidates.append(image.removeprefix("sha256:"))
    try:
        ref = parse_reference(image)
    except InvalidParameter:
        if not candidates:
            raise
    else:
        shown = ref.familiar()
        candidates.append(ref.full())
        if ref.registry == "docker.io" and not ref.digest:
            path = ref.path.removeprefix("library/")
            candidates.append(f"localhost/{path}:{ref.tag or 'latest'}")
    images = engine_for(podman).images
    for candidate in candidates:
        if await images.find(candidate) is not None:
            return candidate
    raise NotFound(f"No such image: {shown}")


async def cgroup_v2(backend: Backend) -> bool:
    """Whether podman runs on cgroup v2 (from the podman facts: no process once known)."""
    _, info = await static_facts(backend.podman, backend.cache, backend.state_dir)
    return str((info.get("host") or {}).get("cgroupVersion", "v1")) == "v2"


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
