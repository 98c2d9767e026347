"""Container endpoints on networks (pure): connect argv, NetworkInspect.Containers, legacy links.

`NetworkConnect` EndpointConfig: Aliases, IPAMConfig.IPv4Address/IPv6Address, MacAddress are
translated; LinkLocalIPs, Links and DriverOpts podman cannot apply: they are only shown back in
inspect (translate/container_notes.py), as at create. HostConfig.Links become /etc/hosts
entries (`--add-host alias:ip`) at create time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
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


def connect_argv(network: str, body: Mapping[str, Any]) -> list[str]:
    """`NetworkConnect` body -> `podman network connect` argv."""
    container = body.get("Container")
    if not isinstance(container, str) or not container or container.startswith("-"):
        raise InvalidParameter("invalid container reference in Container")
    config = body.get("EndpointConfig") or {}
    if not isinstance(config, dict):
        raise InvalidParameter("invalid value for EndpointConfig: expected an object")
    argv = ["network", "connect"]
    for alias in config.get("Aliases") or []:
        argv += ["--alias", str(alias)]
    ipam = config.get("IPAMConfig") or {}
    if ipam.get("IPv4Address"):
        check_ip(ipam["IPv4Address"], "IPv4Address")
        argv += ["--ip", ipam["IPv4Address"]]
    if ipam.get("IPv6Address"):
        check_ip(ipam["IPv6Address"], "IPv6Address")
        argv += ["--ip6", ipam["IPv6Address"]]
    if config.get("MacAddress"):
        argv += ["--mac-address", str(config["MacAddress"])]
    return [*argv, "--", to_podman_name(network), container]


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
