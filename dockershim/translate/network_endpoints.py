"""Container endpoints on networks (pure): connects, NetworkInspect.Containers, legacy links.

`NetworkConnect` EndpointConfig: Aliases, IPAMConfig.IPv4Address/IPv6Address, MacAddress are
translated; LinkLocalIPs, Links and DriverOpts podman cannot apply: they are only shown back in
inspect (translate/container_notes.py), as at create. HostConfig.Links become /etc/hosts
entries (`--add-host alias:ip`) at create time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.networks import check_ip, to_podman_name


def endpoint_id(container_id: str, network_id: str) -> str:
    return hashlib.sha256(f"{container_id}/{network_id}".encode()).hexdigest()


def endpoints(
    network: Mapping[str, Any], inspected: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """Running containers (podman inspect JSON) on a network -> NetworkInspect.Containers."""
    podman_name = to_podman_name(str(network.get("Name", "")))
    result: dict[str, dict[str, str]] = {}
    for ctr in inspected:
        nets = (ctr.get("NetworkSettings") or {}).get("Networks") or {}
        settings = nets.get(podman_name) or nets.get(network.get("Id", ""))
        if settings is None:
            continue
        ipv4 = settings.get("IPAddress") or ""
        ipv6 = settings.get("GlobalIPv6Address") or ""
        cid = str(ctr.get("Id", ""))
        result[cid] = {
            "Name": str(ctr.get("Name", "")).lstrip("/"),
            "EndpointID": endpoint_id(cid, str(network.get("Id", ""))),
            "MacAddress": settings.get("MacAddress") or "",
            "IPv4Address": f"{ipv4}/{settings.get('IPPrefixLen', 0)}" if ipv4 else "",
            "IPv6Address": f"{ipv6}/{settings.get('GlobalIPv6PrefixLen', 0)}" if ipv6 else "",
        }
    return result


@dataclass(frozen=True)
class NetworkConnect:
    """A `NetworkConnect` body, checked: podman's name of the network, the container as the
    client named it, and what podman applies of the EndpointConfig."""

    network: str
    container: str
    aliases: tuple[str, ...]
    ipv4: str
    ipv6: str
    mac: str

    def argv(self) -> list[str]:
        """`podman network connect`."""
        argv = ["network", "connect"]
        for alias in self.aliases:
            argv += ["--alias", alias]
        if self.ipv4:
            argv += ["--ip", self.ipv4]
        if self.ipv6:
            argv += ["--ip6", self.ipv6]
        if self.mac:
            argv += ["--mac-address", self.mac]
        return [*argv, "--", self.network, self.container]

    def spec(self) -> dict[str, Any] | None:
        """The same for libpod's `POST /networks/{name}/connect` (podman's service child):
        entities.NetworkConnectOptions, which both hand to the same ConnectContainerToNetwork.
        Aliases split at commas as the CLI's --alias (a string slice) splits them; None with a
        MAC address, which the CLI parses with its own error."""
        if self.mac:
            return None
        spec: dict[str, Any] = {"container": self.container}
        aliases = [part for alias in self.aliases for part in alias.split(",")]
        if aliases:
            spec["aliases"] = aliases
        addresses = [ip for ip in (self.ipv4, self.ipv6) if ip]  # the CLI's order
        if addresses:
            spec["static_ips"] = addresses
        return spec


def network_connect(network: str, body: Mapping[str, Any]) -> NetworkConnect:
    """A `NetworkConnect` body as podman takes it; dockerd's errors otherwise."""
    container = body.get("Container")
    if not isinstance(container, str) or not container or container.startswith("-"):
        raise InvalidParameter("invalid container reference in Container")
    config = body.get("EndpointConfig") or {}
    if not isinstance(config, dict):
        raise InvalidParameter("invalid value for EndpointConfig: expected an object")
    ipam = config.get("IPAMConfig") or {}
    for key in ("IPv4Address", "IPv6Address"):
        if ipam.get(key):
            check_ip(ipam[key], key)
    return NetworkConnect(
        network=to_podman_name(network),
        container=container,
        aliases=tuple(str(alias) for alias in config.get("Aliases") or []),
        ipv4=str(ipam.get("IPv4Address") or ""),
        ipv6=str(ipam.get("IPv6Address") or ""),
        mac=str(config.get("MacAddress") or ""),
    )


def parse_link(link: str) -> tuple[str, str]:
    """`name:alias` (or `name`) of HostConfig.Links / EndpointSettings.Links -> (name, alias)."""
    target, _, alias = str(link).partition(":")
    target = target.lstrip("/")
    alias = alias.rsplit("/", 1)[-1] or target
    if not target or target.startswith("-") or not alias or alias.startswith("-"):
        raise InvalidParameter(f"invalid link {link!r}")
    return target, alias


def link_host_args(
    links: Sequence[str], addresses: Mapping[str, Sequence[str]], networks: Sequence[str]
) -> list[str]:
    """Legacy links as /etc/hosts entries, as dockerd writes them on the default bridge.

    `addresses` maps a link target (as the client named it) to its IPv4 address on each network
    it is attached to, in the order of `networks` preference; a target without an address (not
    running) gets no entry: on a user network its name still resolves through DNS.
    """
    argv: list[str] = []
    for link in links:
        target, alias = parse_link(link)
        ips = [ip for ip in addresses.get(target, ()) if ip]
        if not ips:
            continue
        for host in dict.fromkeys((alias, target)):
            argv += ["--add-host", f"{host}:{ips[0]}"]
    return argv


def preferred_addresses(inspected: Mapping[str, Any], networks: Sequence[str]) -> list[str]:
    """A container's IPv4 addresses (podman inspect JSON), the shared networks first."""
    nets = (inspected.get("NetworkSettings") or {}).get("Networks") or {}
    wanted = [to_podman_name(n) for n in networks]
    order = [n for n in wanted if n in nets] + [n for n in nets if n not in wanted]
    return [str(nets[n].get("IPAddress") or "") for n in order if nets[n].get("IPAddress")]
