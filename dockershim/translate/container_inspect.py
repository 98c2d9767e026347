"""podman's container inspect JSON -> Docker's `GET /containers/{id}/json` shape (pure)."""

from __future__ import annotations

import json
import signal
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from dockershim.translate.container_fields import (
    ANN_BARE_ENV,
    ANN_ENTRYPOINT,
    ANN_HOST_FIELDS,
    ANN_IMAGE,
    ANN_NETWORK_MODE,
    ECHOED_HOST_FIELDS,
    KEPT_HOST_FIELDS,
    auto_removes,
    decode_annotation,
    decode_host_fields,
)
from dockershim.translate.container_network import docker_network
from dockershim.translate.container_status import ZERO_TIME, docker_state
from dockershim.translate.links import ANN_LINK_ENV, shown_links, without_link_env
from dockershim.translate.references import familiar

_PODMAN_ONLY_HOST = {
    "CgroupManager", "CgroupMode", "Cgroups", "CgroupConf", "DiskQuota", "UTSMode",
}  # fmt: skip


def podman_annotations(raw: Mapping[str, Any]) -> dict[str, str]:
    return dict((raw.get("Config") or {}).get("Annotations") or {})


def image_name(raw: Mapping[str, Any]) -> str:
    """The image as the user named it (Docker's Config.Image and the list's Image)."""
    given = podman_annotations(raw).get(ANN_IMAGE)
    if given:
        return given
    name = str(raw.get("ImageName") or (raw.get("Config") or {}).get("Image") or "")
    return familiar(name) if name else str(raw.get("Image", ""))


def image_id(raw: Mapping[str, Any]) -> str:
    ident = str(raw.get("Image") or "")
    return ident if ident.startswith("sha256:") or not ident else f"sha256:{ident}"


def network_mode(raw: Mapping[str, Any]) -> str:
    mode = podman_annotations(raw).get(ANN_NETWORK_MODE) or ""
    if mode in ("", "default"):
        host_mode = str((raw.get("HostConfig") or {}).get("NetworkMode") or "")
        if host_mode in ("host", "none") or host_mode.startswith("container:"):
            return host_mode
        return "bridge"
    return mode


def entrypoint(raw: Mapping[str, Any]) -> list[str] | None:
    given = podman_annotations(raw).get(ANN_ENTRYPOINT)
    if given:
        try:
            value = json.loads(unquote(given))
        except json.JSONDecodeError:
            value = None
        if isinstance(value, list):
            return [str(v) for v in value]
    if not (raw.get("Config") or {}).get("Entrypoint"):
        return None  # (podman's Path/Args would suggest one: it repeats a one-word command)
    full = [str(raw.get("Path") or ""), *[str(a) for a in raw.get("Args") or []]]
    cmd = list((raw.get("Config") or {}).get("Cmd") or [])
    if not cmd and full[1:] == full[:1]:
        full = full[:1]  # podman's Args repeat a one-word command
    if cmd and full[-len(cmd) :] == cmd:
        rest = full[: -len(cmd)]
        return rest or None
    ep = (raw.get("Config") or {}).get("Entrypoint")
    if isinstance(ep, list):
        return ep or None
    return full if ep and full != [""] else None


def bare_env(raw: dict[str, Any]) -> list[str]:
    names = decode_annotation(podman_annotations(raw).get(ANN_BARE_ENV))
    return [str(n) for n in names] if isinstance(names, list) else []


def path_args(raw: Mapping[str, Any]) -> tuple[str, list[str]]:
    """dockerd's Path and Args: entrypoint + cmd split after the first word. podman's own
    Args repeat Path when the command is one word (`sh` -> Path sh, Args [sh])."""
    cmd = (raw.get("Config") or {}).get("Cmd")
    full = [*(entrypoint(raw) or []), *(str(c) for c in cmd or [])]
    if not full:
        return str(raw.get("Path") or ""), [str(a) for a in raw.get("Args") or []]
    return full[0], full[1:]


def state(raw: dict[str, Any]) -> dict[str, Any]:
    st = raw.get("State") or {}
    status = docker_state(str(st.get("Status", "")), bool(st.get("Restarting")))
    out: dict[str, Any] = {
        "Status": status,
        "Running": status in ("running", "paused", "restarting"),
        "Paused": status == "paused",
        "Restarting": status == "restarting",
        "OOMKilled": bool(st.get("OOMKilled")),
        "Dead": status == "dead",
        "Pid": int(st.get("Pid") or 0),
        "ExitCode": int(st.get("ExitCode") or 0),
        "Error": str(st.get("Error") or ""),
        "StartedAt": st.get("StartedAt") or ZERO_TIME,
        "FinishedAt": st.get("FinishedAt") or ZERO_TIME,
    }
    health = health_state(raw)
    if health is not None:
        out["Health"] = health
    return out


def health_state(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    if not (raw.get("Config") or {}).get("Healthcheck"):
        return None
    h = (raw.get("State") or {}).get("Health") or {}
    status = str(h.get("Status") or "starting")
    return {
        "Status": status,
        "FailingStreak": int(h.get("FailingStreak") or 0),
        "Log": [
            {
                "Start": e.get("Start"),
                "End": e.get("End"),
                "ExitCode": e.get("ExitCode", 0),
                "Output": e.get("Output", ""),
            }
            for e in h.get("Log") or []
        ],
    }


def signal_name(value: Any) -> str | None:
    if value in (None, "", 0):
        return None
    if isinstance(value, int):
        try:
            return signal.Signals(value).name
        except ValueError:
            return str(value)
    return str(value)


def ports(raw: dict[str, Any]) -> dict[str, Any]:
    """NetworkSettings.Ports: unspecified host IPs bind both 0.0.0.0 and ::, as dockerd shows."""
    out: dict[str, Any] = {}
    src = (raw.get("NetworkSettings") or {}).get("Ports") or {}
    for port, bindings in src.items():
        if bindings is None:
            out[port] = None
            continue
        items: list[dict[str, str]] = []
        for b in bindings:
            host_ip = str(b.get("HostIp") or "")
            host_port = str(b.get("HostPort") or "")
            if host_ip in ("", "0.0.0.0"):
                items.append({"HostIp": "0.0.0.0", "HostPort": host_port})
                items.append({"HostIp": "::", "HostPort": host_port})
            else:
                items.append({"HostIp": host_ip, "HostPort": host_port})
        out[port] = items
    return out


def networks(raw: Mapping[str, Any]) -> dict[str, Any]:
    src = (raw.get("NetworkSettings") or {}).get("Networks") or {}
    out: dict[str, Any] = {}
    for name, net in src.items():
        out[docker_network(name)] = {
            "IPAMConfig": net.get("IPAMConfig"),
            "Links": net.get("Links"),
            "MacAddress": net.get("MacAddress", ""),
            "Aliases": net.get("Aliases"),
            "DriverOpts": net.get("DriverOpts"),
            "NetworkID": net.get("NetworkID") or name,
            "EndpointID": net.get("EndpointID", ""),
            "Gateway": net.get("Gateway", ""),
            "IPAddress": net.get("IPAddress", ""),
            "IPPrefixLen": net.get("IPPrefixLen", 0),
            "IPv6Gateway": net.get("IPv6Gateway", ""),
            "GlobalIPv6Address": net.get("GlobalIPv6Address", ""),
            "GlobalIPv6PrefixLen": net.get("GlobalIPv6PrefixLen", 0),
            "DNSNames": net.get("Aliases"),
        }
    return out


def network_settings(raw: dict[str, Any]) -> dict[str, Any]:
    ns = raw.get("NetworkSettings") or {}
    nets = networks(raw)
    bridge = nets.get("bridge") or {}
    return {
        "Bridge": ns.get("Bridge", ""),
        "SandboxID": ns.get("SandboxID", ""),
        "SandboxKey": ns.get("SandboxKey", ""),
        "HairpinMode": False,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "Ports": ports(raw),
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
        "EndpointID": bridge.get("EndpointID", ""),
        "Gateway": bridge.get("Gateway", ""),
        "GlobalIPv6Address": bridge.get("GlobalIPv6Address", ""),
        "GlobalIPv6PrefixLen": bridge.get("GlobalIPv6PrefixLen", 0),
        "IPAddress": bridge.get("IPAddress", ""),
        "IPPrefixLen": bridge.get("IPPrefixLen", 0),
        "IPv6Gateway": bridge.get("IPv6Gateway", ""),
        "MacAddress": bridge.get("MacAddress", ""),
        "Networks": nets,
    }


def mounts(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for m in raw.get("Mounts") or []:
        item: dict[str, Any] = {"Type": m.get("Type", "bind")}
        if m.get("Type") == "volume":
            item["Name"] = m.get("Name", "")
        item["Source"] = m.get("Source", "")
        item["Destination"] = m.get("Destination", "")
        if m.get("Type") == "volume":
            item["Driver"] = m.get("Driver") or "local"
        item["Mode"] = m.get("Mode", "")
        item["RW"] = bool(m.get("RW", True))
        item["Propagation"] = m.get("Propagation", "")
        out.append(item)
    return out


def config(raw: dict[str, Any]) -> dict[str, Any]:
    c = raw.get("Config") or {}
    ann = podman_annotations(raw)
    exposed: dict[str, Any] = {
        p: {} for p in ((raw.get("NetworkSettings") or {}).get("Ports") or {})
    }
    out: dict[str, Any] = {
        "Hostname": c.get("Hostname", ""),
        "Domainname": c.get("Domainname", ""),
        "User": c.get("User", ""),
        "AttachStdin": bool(c.get("AttachStdin")),
        "AttachStdout": bool(c.get("AttachStdout")),
        "AttachStderr": bool(c.get("AttachStderr")),
        "ExposedPorts": exposed or None,
        "Tty": bool(c.get("Tty")),
        "OpenStdin": bool(c.get("OpenStdin")),
        "StdinOnce": bool(c.get("StdinOnce")),
        "Env": [*without_link_env(c.get("Env") or [], ann.get(ANN_LINK_ENV)), *bare_env(raw)],
        "Cmd": c.get("Cmd"),
        "Image": image_name(raw),
        "Volumes": None,
        "WorkingDir": c.get("WorkingDir", ""),
        "Entrypoint": entrypoint(raw),
        "OnBuild": None,
        "Labels": c.get("Labels") or {},
    }
    if c.get("Healthcheck"):
        hc = c["Healthcheck"]
        out["Healthcheck"] = {
            k: hc[k] for k in ("Test", "Interval", "Timeout", "StartPeriod", "Retries") if k in hc
        }
    stop_signal = signal_name(c.get("StopSignal"))
    if stop_signal and stop_signal != "SIGTERM":
        out["StopSignal"] = stop_signal
    if c.get("StopTimeout") not in (None, 10):
        out["StopTimeout"] = c.get("StopTimeout")
    return out


def host_config(raw: dict[str, Any]) -> dict[str, Any]:
    h = {k: v for k, v in (raw.get("HostConfig") or {}).items() if k not in _PODMAN_ONLY_HOST}
    h["NetworkMode"] = network_mode(raw)
    log_type = str((h.get("LogConfig") or {}).get("Type") or "")
    h["LogConfig"] = {
        "Type": "json-file" if log_type in ("k8s-file", "") else log_type,
        "Config": {},
    }
    policy = h.get("RestartPolicy") or {}
    h["RestartPolicy"] = {
        "Name": policy.get("Name") or "no",
        "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
    }
    h["PortBindings"] = {p: b for p, b in (h.get("PortBindings") or {}).items() if b is not None}
    h["Runtime"] = "runc"
    h["Isolation"] = ""
    ann = podman_annotations(raw)
    h["AutoRemove"] = auto_removes(ann) or bool(h.get("AutoRemove"))
    h["Init"] = ann.get("io.podman.annotations.init", "").upper() == "TRUE"
    sent = decode_host_fields(ann.get(ANN_HOST_FIELDS))
    if sent is not None:  # created through dockershim: what the client sent, not podman's form
        h.update({key: sent.get(key) for key in KEPT_HOST_FIELDS})
        h.update({key: sent[key] for key in ECHOED_HOST_FIELDS if key in sent})
        if isinstance(h.get("Links"), list):
            h["Links"] = shown_links(h["Links"], str(raw.get("Name") or ""))
    return h


def inspect_body(raw: dict[str, Any]) -> dict[str, Any]:
    """Docker's ContainerInspectResponse from one podman inspect object."""
    body: dict[str, Any] = {
        "Id": raw.get("Id", ""),
        "Created": raw.get("Created", ZERO_TIME),
        "Path": path_args(raw)[0],
        "Args": path_args(raw)[1],
        "State": state(raw),
        "Image": image_id(raw),
        "ResolvConfPath": raw.get("ResolvConfPath", ""),
        "HostnamePath": raw.get("HostnamePath", ""),
        "HostsPath": raw.get("HostsPath", ""),
        "LogPath": ((raw.get("HostConfig") or {}).get("LogConfig") or {}).get("Path", ""),
        "Name": "/" + str(raw.get("Name", "")).lstrip("/"),
        "RestartCount": int(raw.get("RestartCount") or 0),
        "Driver": raw.get("Driver", ""),
        "Platform": "linux",
        "MountLabel": raw.get("MountLabel", ""),
        "ProcessLabel": raw.get("ProcessLabel", ""),
        "AppArmorProfile": raw.get("AppArmorProfile", ""),
        "ExecIDs": raw.get("ExecIDs") or None,
        "HostConfig": host_config(raw),
        "GraphDriver": {
            "Name": (raw.get("GraphDriver") or {}).get("Name", ""),
            "Data": (raw.get("GraphDriver") or {}).get("Data") or {},
        },
        "Mounts": mounts(raw),
        "Config": config(raw),
        "NetworkSettings": network_settings(raw),
    }
    if "SizeRw" in raw or "SizeRootFs" in raw:
        body["SizeRw"] = int(raw.get("SizeRw") or 0)
        body["SizeRootFs"] = int(raw.get("SizeRootFs") or 0)
    return body
