"""What dockershim remembers of a container beyond podman's state, and how inspect shows it (pure).

Two things dockerd can change on an existing container that podman cannot: removing a legacy
link (`DELETE /containers/{parent}/{alias}?link=true`, `docker rm --link`) and the endpoint
settings sent when connecting it to a network (`POST /networks/{id}/connect`: IPAMConfig,
Links, DriverOpts; podman applies the addresses, aliases and MAC address, but keeps none of
these to show back). engine/container_notes.py stores these notes per container id; inspect
applies them to Docker's shape here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate.endpoint_echo import ENDPOINT_KEPT
from dockershim.translate.network_endpoints import parse_link
from dockershim.translate.networks import check_ip

MAX_REMOVED_LINKS = 256
MAX_ENDPOINTS = 128
MAX_ENDPOINT_BYTES = 16 << 10  # the kept fields of one endpoint, as JSON


@dataclass(frozen=True)
class ContainerNotes:
    """A container's notes: the aliases of links removed from it, and by Docker network name
    the endpoint fields (ENDPOINT_KEPT) sent at its last connect to that network."""

    removed_links: tuple[str, ...] = ()
    endpoints: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not self.removed_links and not self.endpoints

    def without_link(self, alias: str) -> ContainerNotes:
        if alias in self.removed_links:
            return self
        if len(self.removed_links) >= MAX_REMOVED_LINKS:
            raise InvalidParameter(
                f"too many links removed from this container (at most {MAX_REMOVED_LINKS})"
            )
        return replace(self, removed_links=(*self.removed_links, alias))

    def connected(self, network: str, fields: Mapping[str, Any]) -> ContainerNotes:
        endpoints = {k: v for k, v in self.endpoints.items() if k != network}
        if len(endpoints) >= MAX_ENDPOINTS:
            raise InvalidParameter(
                f"too many networks kept for this container (at most {MAX_ENDPOINTS})"
            )
        return replace(self, endpoints={**endpoints, network: dict(fields)})

    def disconnected(self, network: str) -> ContainerNotes:
        endpoints = {k: v for k, v in self.endpoints.items() if k != network}
        return replace(self, endpoints=endpoints)

    def to_json(self) -> dict[str, Any]:
        return {"removed_links": list(self.removed_links), "endpoints": dict(self.endpoints)}

    @classmethod
    def from_json(cls, data: Any) -> ContainerNotes | None:
        """Notes read back from disk; None for anything not in this shape."""
        if not isinstance(data, dict):
            return None
        links, endpoints = data.get("removed_links"), data.get("endpoints")
        if not isinstance(links, list) or not all(isinstance(a, str) for a in links):
            return None
        if not isinstance(endpoints, dict) or not all(
            isinstance(v, dict) and set(v) <= set(ENDPOINT_KEPT) for v in endpoints.values()
        ):
            return None
        return cls(tuple(links[:MAX_REMOVED_LINKS]), dict(list(endpoints.items())[:MAX_ENDPOINTS]))


def connect_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint fields of a connect's EndpointConfig that inspect shows back as sent (as
    dockerd keeps them: IPAMConfig without its empty members, Links, DriverOpts), checked."""
    out: dict[str, Any] = {}
    ipam = config.get("IPAMConfig")
    if ipam is not None and not isinstance(ipam, dict):
        raise InvalidParameter("invalid value for EndpointConfig.IPAMConfig: expected an object")
    if ipam is not None:  # the CLI always sends one, empty without --ip: dockerd shows {}
        kept = {k: ipam[k] for k in ("IPv4Address", "IPv6Address", "LinkLocalIPs") if ipam.get(k)}
        local = kept.get("LinkLocalIPs")
        if local is not None:
            if not isinstance(local, list) or not all(isinstance(ip, str) for ip in local):
                raise InvalidParameter("invalid value for IPAMConfig.LinkLocalIPs: expected a list")
            for ip in local:
                check_ip(ip, "LinkLocalIPs")
        out["IPAMConfig"] = kept
    links = config.get("Links")
    if links:
        if not isinstance(links, list) or not all(isinstance(v, str) for v in links):
            raise InvalidParameter("invalid value for EndpointConfig.Links: expected a list")
        out["Links"] = list(links)
    opts = config.get("DriverOpts")
    if opts:
        if not isinstance(opts, dict) or not all(isinstance(v, str) for v in opts.values()):
            raise InvalidParameter("invalid value for EndpointConfig.DriverOpts: expected strings")
        out["DriverOpts"] = dict(opts)
    if len(json.dumps(out)) > MAX_ENDPOINT_BYTES:
        raise InvalidParameter(f"EndpointConfig is too large (at most {MAX_ENDPOINT_BYTES} bytes)")
    return out


def link_path(ref: str) -> tuple[str, str]:
    """`parent/alias`, the name a legacy link registers, split as dockerd's rmLink splits it:
    (parent, alias); parent "" when `ref` is a plain container name. A longer path names no
    container: 404."""
    parent, _, alias = ref.lstrip("/").rpartition("/")
    if "/" in parent or not alias:
        raise NotFound(f"No such container: {ref}")
    return parent, alias


DEFAULT_LINK_NAME = "Conflict, cannot remove the default link name of the container"


def live_links(host_links: Any, notes: ContainerNotes | None) -> dict[str, str]:
    """A container's HostConfig.Links (as sent at create) not removed since: alias -> target."""
    removed = notes.removed_links if notes else ()
    if not isinstance(host_links, list):
        return {}
    out: dict[str, str] = {}
    for link in host_links:
        try:
            target, alias = parse_link(str(link))
        except InvalidParameter:
            continue
        if alias not in removed:
            out[alias] = target
    return out


def apply_notes(body: dict[str, Any], notes: ContainerNotes) -> None:
    """An inspect body (Docker's shape, after translate/endpoint_echo.py) with the notes."""
    host = body.get("HostConfig") or {}
    links = host.get("Links")
    if notes.removed_links and isinstance(links, list):
        kept = [v for v in links if str(v).rsplit("/", 1)[-1] not in notes.removed_links]
        host["Links"] = kept or None  # dockerd: no links left is null
    nets = (body.get("NetworkSettings") or {}).get("Networks") or {}
    for name, fields in notes.endpoints.items():
        net = nets.get(name)
        if isinstance(net, dict):
            net.update({k: fields.get(k) for k in ENDPOINT_KEPT})
