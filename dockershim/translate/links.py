"""Legacy links (HostConfig.Links) as dockerd presents them (pure).

dockerd gives a container linked to another the linked one's address and ports as environment
variables named after the alias (`DB_NAME=/web/db`, `DB_PORT=tcp://10.88.0.5:5432`,
`DB_PORT_5432_TCP_ADDR=...`, `DB_ENV_<VAR>=...` for its Env but HOME and PATH), and shows the
links in inspect as `/target:/container/alias`. podman has no links: the variables become
`--env` flags at create (so they also appear in Config.Env, where dockerd does not list them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dockershim.translate.network_endpoints import parse_link


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
