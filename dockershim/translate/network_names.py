"""Docker network names <-> podman network names (pure).

dockerd takes any non-empty network name (spaces, `:`, `+`, unicode...); podman's names must
match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. A Docker name podman accepts is used unchanged (so networks
made before this mapping, or by podman itself, need no migration). Any other name becomes a
derived podman name: the name with every refused character as `_`, then `-` and 12 hex digits
of the name's SHA-256, so the derivation is deterministic (a Docker name can be turned into its
podman name without asking podman) and two Docker names never share one podman name. The
Docker name is kept in the hidden label `NAME_LABEL`, from which every answer shows it back.

Docker's default network `bridge` is podman's `podman`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from dockershim.errors import InvalidParameter

DEFAULT_PODMAN = "podman"
DEFAULT_DOCKER = "bridge"
NAME_LABEL = "io.dockershim.network.name"
PODMAN_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_REFUSED = re.compile(r"[^a-zA-Z0-9_.-]")
_STEM = 48  # characters of the sanitized name kept in a derived name


def podman_name(docker: str) -> str:
    """The podman network a Docker network name (or reference) stands for."""
    if docker == DEFAULT_DOCKER:
        return DEFAULT_PODMAN
    if PODMAN_NAME.match(docker):
        return docker
    digest = hashlib.sha256(docker.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    stem = _REFUSED.sub("_", docker)[:_STEM].lstrip("_.-")
    return f"{stem or 'net'}-{digest}"


def is_derived(docker: str) -> bool:
    """Whether `docker` needs a derived podman name (and so the name label)."""
    return docker != DEFAULT_DOCKER and not PODMAN_NAME.match(docker)


def label_name(net: Mapping[str, Any]) -> str | None:
    """The Docker name kept on a podman network (inspect/ls JSON), if any."""
    value = (net.get("labels") or {}).get(NAME_LABEL)
    return value if isinstance(value, str) and value else None


def docker_name(net: Mapping[str, Any]) -> str:
    """The Docker name of a podman network (inspect/ls JSON)."""
    name = str(net.get("name", ""))
    return label_name(net) or (DEFAULT_DOCKER if name == DEFAULT_PODMAN else name)


def names_of(listed: list[dict[str, Any]]) -> dict[str, str]:
    """podman name -> Docker name for the networks that differ (`podman` and derived ones)."""
    out: dict[str, str] = {}
    for net in listed:
        docker = docker_name(net)
        if docker != net.get("name"):
            out[str(net.get("name", ""))] = docker
    return out


def check_name(name: str, field: str = "network name") -> str:
    """A network name dockerd would accept and a URL path can carry."""
    if not name.strip():
        raise InvalidParameter(f"invalid {field} {name!r}: it is empty")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParameter(f"invalid {field} {name!r}") from None
    if "/" in name or "\x00" in name:
        raise InvalidParameter(f"invalid {field} {name!r}")
    return name


def rename_endpoints(networks: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """NetworkSettings.Networks keyed by Docker names (the keys come as podman names)."""
    if not any(key in names for key in networks):
        return networks
    return {names.get(key, key): value for key, value in networks.items()}


def requested(body: Mapping[str, Any]) -> list[str]:
    """The Docker network names a container create body asks for."""
    host = body.get("HostConfig")
    mode = host.get("NetworkMode") if isinstance(host, dict) else None
    networking = body.get("NetworkingConfig")
    endpoints = networking.get("EndpointsConfig") if isinstance(networking, dict) else None
    names = [mode] if isinstance(mode, str) else []
    return names + (list(endpoints) if isinstance(endpoints, dict) else [])


def in_docker_words(message: str, docker_names: list[str]) -> str:
    """podman's message with the derived podman names of `docker_names` said as Docker's."""
    for name in docker_names:
        if is_derived(name):
            message = message.replace(podman_name(name), name)
    return message
