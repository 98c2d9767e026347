"""podman inspect JSON -> Docker's container summary (`GET /containers/json`), and its filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.container_inspect import (
    health_state,
    image_id,
    image_name,
    mounts,
    network_mode,
    networks,
    path_args,
)
from dockershim.translate.container_status import docker_state, parse_time, status_text
from dockershim.translate.filters import Filters, label_matches
from dockershim.translate.validate import digits

LIST_FILTERS = {
    "id", "name", "label", "status", "ancestor", "before", "since", "exited", "network",
    "volume", "health", "expose", "publish", "is-task", "isolation",
}  # fmt: skip
_STATUSES = {"created", "restarting", "running", "removing", "paused", "exited", "dead"}
_HEALTH = {"starting", "healthy", "unhealthy", "none"}


def summary_ports(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    src = (raw.get("NetworkSettings") or {}).get("Ports") or {}
    for port, bindings in src.items():
        number, _, proto = port.partition("/")
        private = int(number.split("-")[0])
        if not bindings:
            out.append({"PrivatePort": private, "Type": proto or "tcp"})
            continue
        for b in bindings:
            host_ip = str(b.get("HostIp") or "")
            public = int(str(b.get("HostPort") or "0") or 0)
            ips = ["0.0.0.0", "::"] if host_ip in ("", "0.0.0.0") else [host_ip]
            for ip in ips:
                out.append(
                    {"IP": ip, "PrivatePort": private, "PublicPort": public, "Type": proto or "tcp"}
                )
    return out


def summary(raw: Mapping[str, Any], now: float) -> dict[str, Any]:
    st = raw.get("State") or {}
    created = parse_time(raw.get("Created")) or 0
    path, args = path_args(raw)
    command = " ".join([path, *args]) if path else ""
    health = health_state(raw)
    state_for_text = dict(st)
    if health is not None:
        state_for_text["Health"] = health
    out: dict[str, Any] = {
        "Id": raw.get("Id", ""),
        "Names": ["/" + str(raw.get("Name", "")).lstrip("/")],
        "Image": image_name(raw),
        "ImageID": image_id(raw),
        "Command": command,
        "Created": int(created),
        "Ports": summary_ports(raw),
        "Labels": (raw.get("Config") or {}).get("Labels") or {},
        "State": docker_state(str(st.get("Status", "")), bool(st.get("Restarting"))),
        "Status": status_text(state_for_text, now),
        "HostConfig": {"NetworkMode": network_mode(raw)},
        "NetworkSettings": {"Networks": networks(raw)},
        "Mounts": mounts(raw),
    }
    if "SizeRw" in raw:
        out["SizeRw"] = int(raw.get("SizeRw") or 0)
        out["SizeRootFs"] = int(raw.get("SizeRootFs") or 0)
    return out


def validate_filters(filters: Filters) -> None:
    for key in filters:
        if key not in LIST_FILTERS:
            raise InvalidParameter(f"invalid filter '{key}'")
    for value in filters.get("status", []):
        if value not in _STATUSES:
            raise InvalidParameter(f"invalid filter 'status={value}'")
    for value in filters.get("health", []):
        if value not in _HEALTH:
            raise InvalidParameter(f"invalid filter 'health={value}'")
    for value in filters.get("exited", []):
        if not digits(value.lstrip("-")):
            raise InvalidParameter(f"invalid filter 'exited={value}'")


def _port_matches(raw: Mapping[str, Any], wanted: str, published: bool) -> bool:
    port, _, proto = wanted.partition("/")
    proto = proto or "tcp"
    for item in summary_ports(raw):
        if item["Type"] != proto:
            continue
        number = item.get("PublicPort") if published else item["PrivatePort"]
        if number is None:
            continue
        lo, _, hi = port.partition("-")
        if digits(lo) and int(lo) <= number <= int(hi or lo):
            return True
    return False


def matches(
    summ: dict[str, Any], raw: Mapping[str, Any], filters: Filters, refs: dict[str, float]
) -> bool:
    """One container against dockerd's list filters (values of one key OR-ed, keys AND-ed).

    `refs` holds the created times of containers named in before/since.
    """
    if not filters:
        return True

    def any_of(key: str, pred: Any) -> bool:
        values = filters.get(key)
        return not values or any(pred(v) for v in values)

    name = summ["Names"][0].lstrip("/")
    created = parse_time(raw.get("Created")) or 0.0
    hstate = health_state(raw)
    health = hstate["Status"] if hstate else "none"
    endpoints = summ["NetworkSettings"]["Networks"]
    net_ids = [str(n.get("NetworkID") or "") for n in endpoints.values()]
    vols = {m.get("Name") for m in summ["Mounts"]} | {m.get("Destination") for m in summ["Mounts"]}
    exit_code = int((raw.get("State") or {}).get("ExitCode") or 0)
    checks = [
        any_of("id", lambda v: summ["Id"].startswith(v)),
        any_of("name", lambda v: v.lstrip("/") in name),
        all(label_matches(summ["Labels"], v) for v in filters.get("label", [])),
        any_of("status", lambda v: v == summ["State"]),
        any_of("ancestor", lambda v: _ancestor(v, summ)),
        any_of("before", lambda v: v in refs and created < refs[v]),
        any_of("since", lambda v: v in refs and created > refs[v]),
        any_of("exited", lambda v: summ["State"] == "exited" and int(v) == exit_code),
        # dockerd: the endpoint's name, or a prefix of its network's id
        any_of("network", lambda v: v in endpoints or any(i.startswith(v) for i in net_ids if v)),
        any_of("volume", lambda v: v in vols),
        any_of("health", lambda v: v == health),
        any_of("expose", lambda v: _port_matches(raw, v, False)),
        any_of("publish", lambda v: _port_matches(raw, v, True)),
    ]
    return all(checks)


def _ancestor(value: str, summ: dict[str, Any]) -> bool:
    image = summ["Image"]
    ident = summ["ImageID"].removeprefix("sha256:")
    bare = value.removeprefix("sha256:")
    if len(bare) >= 4 and ident.startswith(bare):
        return True
    names = {image, f"{image}:latest" if ":" not in image.rsplit("/", 1)[-1] else image}
    wanted = {value, f"{value}:latest" if ":" not in value.rsplit("/", 1)[-1] else value}
    return bool(names & wanted)
