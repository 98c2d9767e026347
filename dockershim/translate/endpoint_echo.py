"""Endpoint settings a client sent at create, shown back in NetworkSettings.Networks (pure).

podman's inspect has no IPAMConfig, Links or DriverOpts for an endpoint; dockerd shows what the
client asked for. They are kept in an annotation at create. From API 1.45 on, dockerd no
longer lists the container's short id among an endpoint's Aliases (it stays in DNSNames);
podman always adds it.
"""

from __future__ import annotations

from typing import Any

from dockershim.translate.container_fields import decode_annotation, encode_annotation, obj
from dockershim.translate.container_network import docker_network, podman_network

ANN_ENDPOINTS = "io.dockershim.endpoints"
ENDPOINT_KEPT = ("IPAMConfig", "Links", "DriverOpts")


def endpoints_annotation(networking: dict[str, Any]) -> str | None:
    """The kept endpoint fields the client set, by network, as an annotation value."""
    kept: dict[str, dict[str, Any]] = {}
    for name, ep in obj(networking.get("EndpointsConfig"), "EndpointsConfig").items():
        fields = {k: v for k, v in obj(ep, "EndpointsConfig").items() if k in ENDPOINT_KEPT and v}
        if fields:
            kept[docker_network(podman_network(name))] = fields
    return encode_annotation(kept) if kept else None


def echo_endpoints(body: dict[str, Any], annotations: dict[str, str], api: tuple[int, ...]) -> None:
    """Fill an inspect body's NetworkSettings.Networks in place."""
    nets = (body.get("NetworkSettings") or {}).get("Networks") or {}
    sent = decode_annotation(annotations.get(ANN_ENDPOINTS))
    short_id = str(body.get("Id") or "")[:12]
    for name, net in nets.items():
        fields = sent.get(name) if isinstance(sent, dict) else None
        if isinstance(fields, dict):
            net.update({k: fields[k] for k in ENDPOINT_KEPT if k in fields})
        if api >= (1, 45) and isinstance(net.get("Aliases"), list):
            net["Aliases"] = [a for a in net["Aliases"] if a != short_id] or None
