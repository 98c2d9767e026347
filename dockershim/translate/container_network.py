"""NetworkMode and NetworkingConfig of a create body -> podman `--network` flags.

Docker's default network "bridge" is podman's network `podman` (rootless podman would use
slirp4netns otherwise, without container-to-container traffic or Docker's inspect shape).
Names podman refuses (spaces, ...) go to their derived podman name (translate/network_names.py).
"""

from __future__ import annotations

import re
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.container_fields import obj, str_list
from dockershim.translate.network_names import check_name, podman_name

DEFAULT_NETWORK = "podman"
_BRIDGE = {"", "default", "bridge"}
_NET_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
# Endpoint fields podman cannot apply: accepted with a warning (Compose sends some of them).
_ENDPOINT_WARN = ("Links", "DriverOpts", "GwPriority")


def podman_network(name: str) -> str:
    """Docker network name -> podman network name."""
    return DEFAULT_NETWORK if name in _BRIDGE else podman_name(name)


def docker_network(name: str) -> str:
    """podman network name -> the name Docker clients know."""
    return "bridge" if name == DEFAULT_NETWORK else name


def network_flags(
    mode: str, networking: dict[str, Any], warnings: list[str] | None = None
) -> tuple[str, list[str]]:
    """(Docker's NetworkMode to report, podman argv); notes ignored endpoint fields in
    `warnings`. Read-only endpoint fields (IPAddress, NetworkID, ...) are ignored."""
    notes = warnings if warnings is not None else []
    for net, ep in obj(networking.get("EndpointsConfig"), "EndpointsConfig").items():
        for key in _ENDPOINT_WARN:
            if obj(ep, "EndpointsConfig").get(key):
                notes.append(f"EndpointsConfig[{net}].{key} is not supported by podman; ignored")
    endpoints = obj(networking.get("EndpointsConfig"), "NetworkingConfig.EndpointsConfig")
    if mode in ("host", "none") or mode.startswith("container:"):
        if mode.startswith("container:") and not _NET_NAME.match(mode[10:]):
            raise InvalidParameter(f"invalid NetworkMode {mode!r}")
        for name, ep in endpoints.items():
            if name != mode and _has_settings(obj(ep, "EndpointsConfig")):
                raise InvalidParameter(
                    f"conflicting options: network mode {mode!r} cannot be combined with "
                    f"settings for network {name!r}"
                )
        return mode, ["--network", mode]
    primary = "bridge" if mode in _BRIDGE else mode
    if mode in ("", "default") and endpoints:
        # no NetworkMode: the container is on the networks NetworkingConfig declares only
        primary = next(iter(endpoints))
    names = [primary] + [n for n in endpoints if podman_network(n) != podman_network(primary)]
    argv: list[str] = []
    for name in names:
        check_name(name)
        same = [v for k, v in endpoints.items() if podman_network(k) == podman_network(name)]
        ep = obj(same[0] if same else None, "EndpointsConfig")
        argv += ["--network", _endpoint_spec(name, ep)]
    return primary, argv


def _has_settings(ep: dict[str, Any]) -> bool:
    return bool(ep.get("Aliases") or ep.get("IPAMConfig") or ep.get("MacAddress"))


def _endpoint_spec(name: str, ep: dict[str, Any]) -> str:
    opts: list[str] = []
    aliases = str_list(ep.get("Aliases"), "Aliases")
    ipam = obj(ep.get("IPAMConfig"), "IPAMConfig")
    ipv4 = str(ipam.get("IPv4Address") or "")
    ipv6 = str(ipam.get("IPv6Address") or "")
    mac = str(ep.get("MacAddress") or "")
    if name in _BRIDGE:
        if aliases:
            raise InvalidParameter(
                "network-scoped alias is supported only for containers in user defined networks"
            )
        if ipv4 or ipv6:
            raise InvalidParameter(
                "user specified IP address is supported on user defined networks only"
            )
    for alias in aliases:
        _plain(alias, "Aliases")
        opts.append(f"alias={alias}")
    if ipv4:
        opts.append(f"ip={_plain(ipv4, 'IPv4Address')}")
    if ipv6:
        opts.append(f"ip6={_plain(ipv6, 'IPv6Address')}")
    if mac:
        opts.append(f"mac={_plain(mac, 'MacAddress')}")
    spec = podman_network(name)
    return f"{spec}:{','.join(opts)}" if opts else spec


def _plain(value: str, field: str) -> str:
    if not value or any(c in value for c in ",= ") or value.startswith("-"):
        raise InvalidParameter(f"{field}: invalid value {value!r}")
    return value
