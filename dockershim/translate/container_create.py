"""POST /containers/create body -> `podman create` argv (pure).

Every field a client sets is translated, accepted with a Warnings entry, or refused with 400
naming it; see docs/containers.md for the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dockershim.errors import InvalidParameter
from dockershim.secret import Secret
from dockershim.translate.container_fields import (
    ANN_BARE_ENV,
    ANN_CONSOLE_SIZE,
    ANN_ENTRYPOINT,
    ANN_HOST_FIELDS,
    ANN_IMAGE,
    ANN_NETWORK_MODE,
    duration,
    encode_annotation,
    encode_host_fields,
    integer,
    no_option,
    obj,
    refuse_unhandled,
    str_list,
    str_map,
    validate_name,
)
from dockershim.translate.container_hostconfig import expose_flags, host_flags
from dockershim.translate.endpoint_echo import ANN_ENDPOINTS, endpoints_annotation
from dockershim.translate.links import LinkFacts, link_options
from dockershim.translate.mount_modes import volume_path

_CONFIG_ACCEPTED = {
    "Image",
    "AttachStdin",  # informational: the CLI attaches separately
    "AttachStdout",
    "AttachStderr",
    "StdinOnce",  # honoured by the attach layer
    "ArgsEscaped",  # Windows only
    "Volumes",  # anonymous volumes: translated below
    "NetworkDisabled",
    "MacAddress",  # deprecated top-level form, translated into the endpoint
    "OnBuild",
    "Shell",  # used by builds only
    "HostConfig",
    "NetworkingConfig",
}


@dataclass
class CreatePlan:
    argv: list[str]
    warnings: list[str] = field(default_factory=list)


def create_argv(
    body: dict[str, Any],
    *,
    name: str | None,
    image: str,
    cgroup_v2: bool = False,
    host_gateway: str | None = None,
    links: LinkFacts | None = None,
) -> CreatePlan:
    """`image` is the reference podman knows (already resolved); body["Image"] is as given;
    `links`: what HostConfig.Links need of their targets (the engine's, translate/links.py)."""
    given_image = str(body.get("Image") or "")
    argv = ["create", "--pull", "never"]
    if name:
        argv += ["--name", validate_name(name)]
    argv += ["--annotation", f"{ANN_IMAGE}={given_image}"]
    host = obj(body.get("HostConfig"), "HostConfig")
    networking = obj(body.get("NetworkingConfig"), "NetworkingConfig")
    if body.get("NetworkDisabled"):
        host = {**host, "NetworkMode": "none"}
    if body.get("MacAddress"):
        networking = _with_mac(host, networking, str(body["MacAddress"]))
    argv += _process_flags(body)
    sent = encode_host_fields(host)
    if sent is not None:
        argv += ["--annotation", f"{ANN_HOST_FIELDS}={sent}"]
    argv += _env_flags(body)
    for key, value in str_map(body.get("Labels"), "Labels").items():
        argv += ["--label", f"{key}={value}"]
    argv += expose_flags(obj(body.get("ExposedPorts"), "ExposedPorts"))
    argv += _volume_flags(body, host)
    argv += _stop_flags(body)
    hc = obj(body.get("Healthcheck"), "Healthcheck")
    argv += healthcheck_flags(hc)
    hf = host_flags(host, networking, cgroup_v2=cgroup_v2, host_gateway=host_gateway)
    if hc.get("StartInterval"):
        hf.warnings.append(
            "Healthcheck.StartInterval is not supported by podman 4.3 and was ignored"
        )
    argv += hf.argv
    argv += ["--annotation", f"{ANN_NETWORK_MODE}={host.get('NetworkMode') or 'bridge'}"]
    endpoints = endpoints_annotation(networking)
    if endpoints:
        argv += ["--annotation", f"{ANN_ENDPOINTS}={endpoints}"]
    argv += _entrypoint_flags(body)
    cmd = body.get("Cmd")
    if isinstance(cmd, str):
        cmd = [cmd]
    refuse_unhandled("", body, _CONFIG_ACCEPTED | _CONFIG_READ)
    if links is not None:
        argv += link_options(links, body.get("Env"))
    argv += ["--", image, *str_list(cmd, "Cmd")]
    return CreatePlan(argv, hf.warnings)


# the Config fields read by create_argv and the functions below (the rest: _CONFIG_ACCEPTED)
_CONFIG_READ = {
    "Hostname", "Domainname", "User", "WorkingDir", "Tty", "OpenStdin",  # _process_flags
    "Env",  # _env_flags
    "Labels", "ExposedPorts", "Healthcheck", "Cmd",  # create_argv itself
    "StopSignal", "StopTimeout",  # _stop_flags
    "Entrypoint",  # _entrypoint_flags
}  # fmt: skip


def _process_flags(body: dict[str, Any]) -> list[str]:
    """Hostname, User, WorkingDir, Tty (with the console size), OpenStdin."""
    argv: list[str] = []
    hostname = str(body.get("Hostname") or "")
    if hostname:
        argv += ["--hostname", no_option(hostname, "Hostname")]
    if body.get("Domainname"):
        raise InvalidParameter(
            "Domainname is not supported by dockershim (rootless podman backend)"
        )
    user = str(body.get("User") or "")
    if user:
        argv += ["--user", no_option(user, "User")]
    workdir = str(body.get("WorkingDir") or "")
    if workdir:
        if not workdir.startswith("/"):
            raise InvalidParameter(
                f"the working directory '{workdir}' is invalid, it needs to be an absolute path"
            )
        argv += ["--workdir", workdir]
    if body.get("Tty"):
        argv.append("--tty")
        size = (body.get("HostConfig") or {}).get("ConsoleSize")
        if isinstance(size, list) and [type(v) for v in size] == [int, int] and min(size) > 0:
            # the attach layer (streams) opens the terminal at this size
            argv += ["--annotation", f"{ANN_CONSOLE_SIZE}={size[0]}x{size[1]}"]
    if body.get("OpenStdin"):
        argv.append("--interactive")
    return argv


def _env_flags(body: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    bare: list[str] = []
    for env in str_list(body.get("Env"), "Env"):
        if "=" not in env:
            # dockerd: a bare name removes the image's variable (podman would read ours); it
            # stays in Config.Env as sent
            argv += ["--unsetenv", no_option(env, "Env")]
            bare.append(env)
            continue
        if env.startswith("="):
            raise InvalidParameter(f"invalid environment variable: {env}")
        argv += ["--env", Secret(env)]
    if bare:
        argv += ["--annotation", f"{ANN_BARE_ENV}={encode_annotation(bare)}"]
    return argv


def _volume_flags(body: dict[str, Any], host: dict[str, Any]) -> list[str]:
    """Config.Volumes: an anonymous volume each, unless a bind or mount covers the path."""
    argv: list[str] = []
    covered = _mount_targets(host)
    for target in obj(body.get("Volumes"), "Volumes"):
        if str(target).rstrip("/") in covered:
            continue  # dockerd: a bind/mount on that path replaces the anonymous volume
        argv += ["--volume", volume_path(str(target))]
    return argv


def _stop_flags(body: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    stop_signal = str(body.get("StopSignal") or "")
    if stop_signal:
        argv += ["--stop-signal", no_option(stop_signal, "StopSignal")]
    if body.get("StopTimeout") is not None:
        timeout = integer(body["StopTimeout"], "StopTimeout")
        if timeout >= 0:
            argv += ["--stop-timeout", str(timeout)]
    return argv


def _entrypoint_flags(body: dict[str, Any]) -> list[str]:
    entrypoint = body.get("Entrypoint")
    if isinstance(entrypoint, str):
        entrypoint = [entrypoint] if entrypoint else None
    ep = str_list(entrypoint, "Entrypoint")
    if not ep:
        return []
    value = "" if ep == [""] else json.dumps(ep)
    annotation = f"{ANN_ENTRYPOINT}={quote(json.dumps(ep), safe='')}"
    return ["--entrypoint", value, "--annotation", annotation]


def _mount_targets(host: dict[str, Any]) -> set[str]:
    """Container paths HostConfig.Binds/Mounts/Tmpfs already mount (Compose v1 also lists them
    in Config.Volumes)."""
    targets: set[str] = set()
    for bind in host.get("Binds") or []:
        parts = str(bind).split(":")
        if len(parts) >= 2:
            targets.add(parts[1].rstrip("/"))
    for mount in host.get("Mounts") or []:
        if isinstance(mount, dict):
            targets.add(str(mount.get("Target") or "").rstrip("/"))
    targets.update(str(t).rstrip("/") for t in (host.get("Tmpfs") or {}))
    return targets


def _with_mac(host: dict[str, Any], networking: dict[str, Any], mac: str) -> dict[str, Any]:
    mode = host.get("NetworkMode") or "bridge"
    if mode in ("default", ""):
        mode = "bridge"
    endpoints = dict(obj(networking.get("EndpointsConfig"), "EndpointsConfig"))
    ep = dict(obj(endpoints.get(mode), "EndpointsConfig"))
    ep.setdefault("MacAddress", mac)
    endpoints[mode] = ep
    return {**networking, "EndpointsConfig": endpoints}


def healthcheck_flags(hc: dict[str, Any]) -> list[str]:
    test = str_list(hc.get("Test"), "Healthcheck.Test")
    argv: list[str] = []
    if not test:
        if any(hc.get(k) for k in ("Interval", "Timeout", "Retries", "StartPeriod")):
            pass  # inherits the image's test; podman takes the timing flags alone
        else:
            return []
    elif test[0] == "NONE":
        return ["--no-healthcheck"]
    elif test[0] == "CMD":
        if len(test) < 2:
            raise InvalidParameter("Healthcheck.Test: CMD needs a command")
        argv += ["--health-cmd", json.dumps(test[1:])]
    elif test[0] == "CMD-SHELL":
        if len(test) != 2:
            raise InvalidParameter("Healthcheck.Test: CMD-SHELL takes exactly one string")
        argv += ["--health-cmd", test[1]]
    else:
        raise InvalidParameter(f"Healthcheck.Test: unknown form {test[0]!r}")
    for key, flag in (
        ("Interval", "--health-interval"),
        ("Timeout", "--health-timeout"),
        ("StartPeriod", "--health-start-period"),
    ):
        ns = integer(hc.get(key), f"Healthcheck.{key}")
        if ns < 0:
            raise InvalidParameter(f"Healthcheck.{key} can't be negative")
        if ns and ns < 1_000_000:
            raise InvalidParameter(f"Healthcheck.{key} in Healthcheck cannot be less than 1ms")
        if ns:
            argv += [flag, duration(ns)]
    retries = integer(hc.get("Retries"), "Healthcheck.Retries")
    if retries < 0:
        raise InvalidParameter("Healthcheck.Retries can't be negative")
    if retries:
        argv += ["--health-retries", str(retries)]
    refuse_unhandled(
        "Healthcheck.",
        hc,
        {"Test", "Interval", "Timeout", "StartPeriod", "Retries", "StartInterval"},
    )
    return argv
