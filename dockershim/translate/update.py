"""`POST /containers/{id}/update` body (Docker's UpdateConfig) -> `podman update` flags.

The docker CLI sends every Resources field, zero when unset: zero, null and empty values mean
"leave as is" (as dockerd). Translated (Docker field -> podman 4.3 flag): CpuShares
(--cpu-shares), Memory (--memory), MemoryReservation (--memory-reservation), MemorySwap
(--memory-swap), MemorySwappiness (--memory-swappiness), NanoCpus (--cpus), CpuPeriod,
CpuQuota, CpuRealtimePeriod, CpuRealtimeRuntime, CpusetCpus, CpusetMems, BlkioWeight,
BlkioWeightDevice, BlkioDeviceRead/WriteBps/IOps.
Refused with 400 naming the field (podman 4.3 cannot change them on an existing container):
PidsLimit, Ulimits, Devices, DeviceCgroupRules, DeviceRequests, CgroupParent, KernelMemory,
KernelMemoryTCP, OomKillDisable, CpuCount, CpuPercent, IOMaximumIOps, IOMaximumBandwidth.
RestartPolicy is validated as dockerd does (`restart_change`); the change itself is made by
engine/restart_policy.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockershim.errors import Conflict, InvalidParameter
from dockershim.translate.restart_config import MAX_RETRIES

_SCALAR_FLAGS = {
    "CpuShares": "--cpu-shares",
    "CpuPeriod": "--cpu-period",
    "CpuQuota": "--cpu-quota",
    "CpuRealtimePeriod": "--cpu-rt-period",
    "CpuRealtimeRuntime": "--cpu-rt-runtime",
    "CpusetCpus": "--cpuset-cpus",
    "CpusetMems": "--cpuset-mems",
    "BlkioWeight": "--blkio-weight",
    "MemorySwap": "--memory-swap",
}
_BYTES_FLAGS = {"Memory": "--memory", "MemoryReservation": "--memory-reservation"}
_DEVICE_FLAGS = {
    "BlkioWeightDevice": ("--blkio-weight-device", "Weight"),
    "BlkioDeviceReadBps": ("--device-read-bps", "Rate"),
    "BlkioDeviceWriteBps": ("--device-write-bps", "Rate"),
    "BlkioDeviceReadIOps": ("--device-read-iops", "Rate"),
    "BlkioDeviceWriteIOps": ("--device-write-iops", "Rate"),
}
_REFUSED = (
    "PidsLimit",
    "Ulimits",
    "Devices",
    "DeviceCgroupRules",
    "DeviceRequests",
    "CgroupParent",
    "KernelMemory",
    "KernelMemoryTCP",
    "OomKillDisable",
    "CpuCount",
    "CpuPercent",
    "IOMaximumIOps",
    "IOMaximumBandwidth",
)
_KNOWN = {
    *_SCALAR_FLAGS,
    *_BYTES_FLAGS,
    *_DEVICE_FLAGS,
    *_REFUSED,
    "NanoCpus",
    "MemorySwappiness",
    "RestartPolicy",
}


def _unset(value: Any) -> bool:
    return value is None or value == 0 or value == "" or value == [] or value is False


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"invalid value for {name}: {value!r}")
    return value


def _devices(name: str, flag: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise InvalidParameter(f"invalid value for {name}: expected a list")
    out: list[str] = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get("Path", "")).startswith("/"):
            raise InvalidParameter(f"invalid value for {name}: {item!r}")
        out.append(f"{flag}={item['Path']}:{_int(name, item.get(key))}")
    return out


def update_flags(body: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(podman update flags, names of the Docker fields they set)."""
    flags: list[str] = []
    fields: list[str] = []
    for name, value in body.items():
        if name not in _KNOWN:
            raise InvalidParameter(f"unknown field in update: {name}")
        if name == "RestartPolicy" or _unset(value):
            continue
        if name in _REFUSED:
            raise InvalidParameter(
                f"{name} cannot be changed on an existing container by dockershim "
                "(podman 4.3 has no way to): recreate the container instead"
            )
        fields.append(name)
        if name in _SCALAR_FLAGS:
            text = value if isinstance(value, str) else str(_int(name, value))
            flags.append(f"{_SCALAR_FLAGS[name]}={text}")
        elif name in _BYTES_FLAGS:
            flags.append(f"{_BYTES_FLAGS[name]}={_int(name, value)}b")
        elif name in _DEVICE_FLAGS:
            flag, key = _DEVICE_FLAGS[name]
            flags += _devices(name, flag, key, value)
        elif name == "NanoCpus":
            flags.append(f"--cpus={_int(name, value) / 1e9:g}")
        elif name == "MemorySwappiness":
            flags.append(f"--memory-swappiness={_int(name, value)}")
    return flags, fields


def _policy(policy: Mapping[str, Any] | None) -> tuple[str, int]:
    name = str((policy or {}).get("Name") or "no")
    retries = (policy or {}).get("MaximumRetryCount") or 0
    if isinstance(retries, bool) or not isinstance(retries, int) or retries > MAX_RETRIES:
        raise InvalidParameter(f"invalid value for MaximumRetryCount: {retries!r}")
    return name, retries


def restart_change(
    body: Mapping[str, Any], current: Mapping[str, Any] | None, auto_remove: bool = False
) -> tuple[str, int] | None:
    """The (policy, retries) to give the container, or None when the policy stays as it is.

    dockerd's rules: an empty or absent Name leaves the policy alone (the docker CLI always
    sends a RestartPolicy); unknown names and MaximumRetryCount without on-failure are 400; a
    policy other than "no" on an AutoRemove container is 409.
    """
    wanted = body.get("RestartPolicy")
    if wanted is None:
        return None
    if not isinstance(wanted, dict):
        raise InvalidParameter("invalid value for RestartPolicy: expected an object")
    if not wanted.get("Name"):
        return None
    name, retries = _policy(wanted)
    if name not in ("no", "always", "unless-stopped", "on-failure"):
        raise InvalidParameter(
            f"invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', "
            "'on-failure', or 'unless-stopped'"
        )
    if retries < 0:
        raise InvalidParameter("invalid restart policy: maximum retry count cannot be negative")
    if name != "on-failure" and retries:
        raise InvalidParameter(
            "invalid restart policy: maximum retry count can only be used with 'on-failure'"
        )
    if auto_remove and name != "no":
        raise Conflict(
            "Restart policy cannot be updated because AutoRemove is enabled for the container"
        )
    if (name, retries) == _policy(current):
        return None
    return name, retries


def cgroup_warnings(fields: list[str]) -> list[str]:
    """dockerd's answer on a host without the cgroup controllers: warn, discard the limit."""
    return [
        f"{name}: the limit was discarded: rootless podman cannot change resource limits of "
        "this container on this host (no cgroups v2 delegation)"
        for name in fields
    ]
