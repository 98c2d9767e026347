"""Host facts a container create needs: the cgroup version podman runs on, and the address
rootless podman gives containers for the host."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct

from dockershim.api.deps import Backend
from dockershim.podman.facts import static_facts

_SIOCGIFADDR = 0x8915


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
