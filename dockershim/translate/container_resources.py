"""Resource limits of a create body. On cgroup v1 rootless podman cannot enforce any of them:
answer as dockerd does on a kernel without the controller, a Warnings entry and the limit
discarded. On cgroup v2 they become podman flags."""

from __future__ import annotations

from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.container_fields import integer, no_option

_NO = "Your kernel does not support"
_MEMORY = _NO + " memory limit capabilities or the cgroup is not mounted. Limitation discarded."
_SWAP = _NO + " swap limit capabilities or the cgroup is not mounted. Memory limited without swap."
_RESERVATION = (
    _NO + " memory soft limit capabilities or the cgroup is not mounted. Limitation discarded."
)
_SWAPPINESS = (
    _NO
    + " memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded."
)
_CPU_SHARES = (
    "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded."
)
_CFS = _NO + " CPU CFS scheduler or the cgroup is not mounted. CPU limit discarded."
_CPUSET = _NO + " cpuset or the cgroup is not mounted. Cpuset discarded."
_PIDS = _NO + " pids limit capabilities or the cgroup is not mounted. PIDs limit discarded."
_OOM = _NO + " OomKillDisable. OomKillDisable discarded."
_BLKIO = (
    "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
)

# (field, podman flag or None when only a warning applies, warning on cgroup v1)
_TABLE: list[tuple[str, str | None, str]] = [
    ("Memory", "--memory", _MEMORY),
    ("MemorySwap", "--memory-swap", _SWAP),
    ("MemoryReservation", "--memory-reservation", _RESERVATION),
    ("CpuShares", "--cpu-shares", _CPU_SHARES),
    ("CpuPeriod", "--cpu-period", _CFS),
    ("CpuQuota", "--cpu-quota", _CFS),
    ("CpusetCpus", "--cpuset-cpus", _CPUSET),
    ("CpusetMems", "--cpuset-mems", _CPUSET),
    ("PidsLimit", "--pids-limit", _PIDS),
    ("BlkioWeight", "--blkio-weight", _BLKIO),
]
RESOURCE_FIELDS = {
    *(f for f, _, _ in _TABLE), "NanoCpus", "MemorySwappiness", "OomKillDisable", "CgroupParent",
    "KernelMemory", "DeviceCgroupRules", "DeviceRequests", "CpuCount", "CpuPercent",
    "IOMaximumIOps", "IOMaximumBandwidth", "BlkioWeightDevice", "BlkioDeviceReadBps",
    "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
}  # fmt: skip
_REFUSED = {
    "CgroupParent", "DeviceCgroupRules", "DeviceRequests", "CpuCount", "CpuPercent",
    "IOMaximumIOps", "IOMaximumBandwidth", "BlkioWeightDevice", "BlkioDeviceReadBps",
    "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
}  # fmt: skip


def resource_flags(host: dict[str, Any], *, cgroup_v2: bool) -> tuple[list[str], list[str]]:
    argv: list[str] = []
    warnings: list[str] = []

    def limit(flag: str | None, value: str, warning: str) -> None:
        if cgroup_v2 and flag:
            argv.extend([flag, value])
        elif warning not in warnings:
            warnings.append(warning)

    for key, flag, warning in _TABLE:
        value = host.get(key)
        if value in (None, "", 0):
            continue
        if key in ("CpusetCpus", "CpusetMems"):
            limit(flag, no_option(str(value), key), warning)
            continue
        number = integer(value, f"HostConfig.{key}")
        if key == "PidsLimit" and number <= 0:
            continue  # 0 and -1 both mean "unlimited"
        if key == "MemorySwap" and number == -1:
            limit(flag, "-1", warning)
            continue
        if number < 0:
            raise InvalidParameter(f"HostConfig.{key} can not be negative")
        if key == "Memory" and number < 6 * 1024 * 1024:
            raise InvalidParameter("Minimum memory limit allowed is 6MB")
        limit(flag, str(number), warning)
    nano = integer(host.get("NanoCpus"), "HostConfig.NanoCpus")
    if nano:
        if host.get("CpuQuota") or host.get("CpuPeriod"):
            raise InvalidParameter(
                "Conflicting options: Nano CPUs and CPU Period cannot both be set"
            )
        limit("--cpus", f"{nano / 1e9:g}", _CFS)
    swappiness = host.get("MemorySwappiness")
    if swappiness not in (None, -1):
        limit("--memory-swappiness", str(integer(swappiness, "MemorySwappiness")), _SWAPPINESS)
    if host.get("OomKillDisable"):
        limit("--oom-kill-disable=true", "", _OOM)
        if argv[-1:] == [""]:
            argv.pop()
    if host.get("KernelMemory"):
        warnings.append("KernelMemory is deprecated and was discarded")
    for key in sorted(_REFUSED):
        value = host.get(key)
        if value not in (None, "", 0, [], {}):
            raise InvalidParameter(
                f"HostConfig.{key} is not supported by dockershim (rootless podman backend)"
            )
    return argv, warnings
