"""Legacy links (HostConfig.Links) as dockerd presents them (pure).

dockerd gives a container linked to another the linked one's address and ports as environment
variables named after the alias (`DB_NAME=/web/db`, `DB_PORT=tcp://10.88.0.5:5432`,
`DB_PORT_5432_TCP_ADDR=...`, `DB_ENV_<VAR>=...` for its Env but HOME and PATH), and shows the
links in inspect as `/target:/container/alias`. podman has no links: the variables become
`--env` flags at create, and an annotation names them, so inspect leaves them out of Config.Env
as dockerd does (it sets them in the process environment only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.secret import Secret
from dockershim.translate.container_fields import decode_annotation, encode_annotation
from dockershim.translate.network_endpoints import link_host_args, parse_link

ANN_LINK_ENV = "io.dockershim.link-env"  # names of the variables links added


@dataclass(frozen=True)
class LinkFacts:
    """What a create's HostConfig.Links take from the engine: the links and the networks the
    container will be on (create_links), each target's IPv4 addresses (those networks first)
    and the variables the links give (link_env)."""

    links: list[str]
    networks: list[str]
    addresses: dict[str, list[str]]
    env: list[str]


def link_options(facts: LinkFacts, client_env: Any) -> list[str]:
    """`podman create` flags for the links: /etc/hosts entries and their variables."""
    return link_host_args(facts.links, facts.addresses, facts.networks) + link_env_args(
        facts.env, client_env
    )


def _ports(child: Mapping[str, Any]) -> list[tuple[int, str]]:
    config = child.get("Config") or {}
    raw = dict(config.get("ExposedPorts") or {})
    raw.update((child.get("NetworkSettings") or {}).get("Ports") or {})
    out: set[tuple[int, str]] = set()
    for spec in raw:
        number, _, proto = str(spec).partition("/")
        if number.isdigit():
            out.add((int(number), proto or "tcp"))
    return sorted(out)


def link_env(parent: str | None, alias: str, child: Mapping[str, Any], ip: str) -> list[str]:
    """The environment a link to `child` (podman inspect JSON) under `alias` gives."""
    prefix = alias.upper().replace("-", "_")
    env: list[str] = []
    ports = _ports(child) if ip else []
    if ports:
        number, proto = ports[0]
        env.append(f"{prefix}_PORT={proto}://{ip}:{number}")
    for number, proto in ports:
        key = f"{prefix}_PORT_{number}_{proto.upper()}"
        env += [
            f"{key}={proto}://{ip}:{number}",
            f"{key}_ADDR={ip}",
            f"{key}_PORT={number}",
            f"{key}_PROTO={proto}",
        ]
    if parent:
        env.append(f"{prefix}_NAME=/{parent.lstrip('/')}/{alias}")
    for entry in (child.get("Config") or {}).get("Env") or []:
        name, sep, value = str(entry).partition("=")
        if sep and name not in ("HOME", "PATH"):
            env.append(f"{prefix}_ENV_{name}={value}")
    return env


def shown_links(links: Sequence[str], container: str) -> list[str]:
    """HostConfig.Links as dockerd shows them: `/target:/container/alias`."""
    out = []
    for link in links:
        target, alias = parse_link(link)
        out.append(f"/{target}:/{container.lstrip('/')}/{alias}")
    return out


def _name(entry: str) -> str:
    return str(entry).split("=", 1)[0]


def link_env_args(entries: Sequence[str], client_env: Any) -> list[str]:
    """`podman create` flags for the links' variables: `--env` each (a secret: they carry the
    linked container's environment) and the annotation naming them. A variable the client's
    Env sets or unsets is left to it, as dockerd lets Config.Env override the links'."""
    own = {_name(e) for e in client_env} if isinstance(client_env, list) else set()
    kept = [e for e in entries if _name(e) not in own]
    if not kept:
        return []
    argv: list[str] = []
    for entry in kept:
        argv += ["--env", Secret(entry)]
    names = list(dict.fromkeys(_name(e) for e in kept))
    return [*argv, "--annotation", f"{ANN_LINK_ENV}={encode_annotation(names)}"]


def without_link_env(env: Sequence[str], annotation: str | None) -> list[str]:
    """Config.Env without the variables links added (named by the annotation)."""
    names = decode_annotation(annotation)
    if not isinstance(names, list):
        return list(env)
    added = {str(n) for n in names}
    return [e for e in env if _name(e) not in added]


def create_links(body: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """A create body's HostConfig.Links (which stay in the body, to be shown back by inspect)
    and the networks the container will be on; None without links."""
    host = body.get("HostConfig")
    if not isinstance(host, dict) or not host.get("Links"):
        return None
    links = host["Links"]
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise InvalidParameter("invalid value for HostConfig.Links: expected a list of strings")
    networking = body.get("NetworkingConfig") or {}
    endpoints = networking.get("EndpointsConfig") if isinstance(networking, dict) else None
    return links, [str(host.get("NetworkMode") or "bridge"), *(endpoints or {})]
