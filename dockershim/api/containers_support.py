"""Shared container helpers other modules import: inspect, image resolution, host facts.

`inspect_container(podman, ref)` is podman's raw inspect object (NotFound "No such container:
ref" when absent); `dockershim.translate.container_inspect.inspect_body` turns it into Docker's
shape.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import re
import socket
import struct
from typing import Any

from dockershim.api.deps import Backend
from dockershim.errors import DockerError, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate.references import looks_like_id, parse_reference

_SIOCGIFADDR = 0x8915


_REF = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$")


def check_ref(ref: str) -> str:
    """A container name or id from a URL path (a leading "/" allowed, as Docker names carry
    one); anything else cannot name a container, and can never be read as an option."""
    ref = ref.removeprefix("/")
    if not _REF.match(ref):
        raise NotFound(f"No such container: {ref}")
    return ref


async def inspect_container(
    podman: PodmanRunner, ref: str, *, size: bool = False
) -> dict[str, Any]:
    """podman's raw inspect JSON of one container (by id, unique id prefix or name)."""
    ref = check_ref(ref)
    args = ["container", "inspect", "--format", "json"]
    if size:
        args.append("--size")
    result = await podman.run([*args, "--", ref], check=False)
    if result.returncode != 0:
        text = result.err_text
        if "no such container" in text or "no container with" in text:
            raise NotFound(f"No such container: {ref}")
        if "more than one result" in text:
            raise InvalidParameter(f"multiple IDs found with provided prefix: {ref}")
        raise DockerError(text.strip().removeprefix("Error: ") or "podman inspect failed")
    data = result.json()
    if not data:
        raise NotFound(f"No such container: {ref}")
    item: dict[str, Any] = data[0]
    return item


async def inspect_many(
    podman: PodmanRunner, ids: list[str], *, size: bool = False
) -> list[dict[str, Any]]:
    """Inspect several containers; ones removed meanwhile are skipped."""
    if not ids:
        return []
    args = ["container", "inspect", "--format", "json"] + (["--size"] if size else [])
    result = await podman.run([*args, "--", *ids], check=False)
    if result.returncode == 0:
        return list(result.json() or [])
    out: list[dict[str, Any]] = []
    for ident in ids:
        one = await podman.run([*args, "--", ident], check=False)
        if one.returncode == 0:
            out.extend(one.json() or [])
    return out


async def list_ids(podman: PodmanRunner, *, running_only: bool = False) -> list[str]:
    """Container ids; `running_only`: those Docker lists without `all` (running, paused)."""
    which = ["--filter", "status=running", "--filter", "status=paused"] if running_only else ["-a"]
    result = await podman.run(["ps", *which, "-q", "--no-trunc"])
    return [line.strip() for line in result.text.splitlines() if line.strip()]


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
    for candidate in candidates:
        result = await podman.run(
            ["image", "inspect", "--format", "{{.Id}}", "--", candidate], check=False
        )
        if result.returncode == 0 and result.text.strip():
            return candidate
    raise NotFound(f"No such image: {shown}")


async def cgroup_v2(backend: Backend) -> bool:
    cached = backend.cache.get("cgroup_v2")
    if cached is None:
        info = await backend.podman.run_json(["info", "--format", "json"])
        version = str(((info or {}).get("host") or {}).get("cgroupVersion", "v1"))
        cached = version == "v2"
        backend.cache["cgroup_v2"] = cached
    return bool(cached)


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
