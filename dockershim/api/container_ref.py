"""Container references from the URL path, checked before they reach podman, and inspection."""

from __future__ import annotations

import re
from typing import Any

from dockershim.errors import NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify

_REF = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$")


def container_ref(ref: str) -> str:
    """A container name or ID as podman takes it; anything else cannot name a container."""
    ref = ref.removeprefix("/")
    if not _REF.match(ref):
        raise NotFound(f"No such container: {ref}")
    return ref


async def inspect_container(podman: PodmanRunner, ref: str) -> dict[str, Any]:
    """`podman container inspect` of one container; 404 "No such container" when missing."""
    ref = container_ref(ref)
    result = await podman.run(["container", "inspect", "--", ref], check=False)
    if result.returncode != 0:
        if "no such container" in result.err_text or "no container with" in result.err_text:
            raise NotFound(f"No such container: {ref}")
        raise classify(result.err_text, result.returncode)
    data = result.json() or []
    if not data:
        raise NotFound(f"No such container: {ref}")
    first: dict[str, Any] = data[0]
    return first
