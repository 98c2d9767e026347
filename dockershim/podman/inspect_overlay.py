"""podman's container inspect JSON brought up to date from a newer stored state (pure).

podman 4.3 builds `podman container inspect` from a container's config and its state
(libpod/container_inspect.go). When the config side is unchanged and the state moved only in
fields whose place in the inspect JSON is known, the kept JSON is patched instead of asking
the CLI again: the status word and its flags, exit code, times, OOM flag, conmon pid, exec
sessions (`ExecIDs`), the restart count, the healthcheck log (`State.Health`), the merged
dir of a mount, and a stop: the network status and namespace gone, so the addresses are
empty (as podman shows a stopped container's). Anything else (a new pid, whose cgroup path
podman reads from /proc; a new network status or namespace, bind mounts, the OCI config
path) makes `overlay` return None, and the engine asks the CLI.
"""

from __future__ import annotations

import copy
from typing import Any

from dockershim.podman.libpod_state import STATUS_NAMES

# state JSON keys (libpod ContainerState) whose effect on inspect is below, or nothing at all
_PATCHED = {
    "state", "exitCode", "exited", "oomKilled", "pid", "conmonPid", "startedTime",
    "finishedTime", "newExecSessions", "restartCount", "stoppedByUser", "restartPolicyMatch",
    "mounted", "mountPoint",
}  # fmt: skip
_ZERO_TIME = "0001-01-01T00:00:00Z"
KEEP = object()  # `health`: the healthcheck log did not change


# what podman shows of an address while a container has none (NetworkSettings and each
# of its Networks): only keys the kept JSON has are reset
_NO_ADDRESS: dict[str, Any] = {
    "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "",
    "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "MacAddress": "",
}  # fmt: skip
_SECONDARY = ("SecondaryIPAddresses", "SecondaryIPv6Addresses")


def overlay(
    kept: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
    health: Any = KEEP,
    netns: tuple[str, str] | None = None,
) -> dict[str, Any] | None:
    """`kept` (inspect JSON taken when the state was `old`) as podman shows it at state `new`;
    `health` is the parsed healthcheck log when it changed; `netns` the container's network
    namespace then and now (None: unchanged). None when only podman can tell."""
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    network_down = bool(old.get("networkStatus")) and not new.get("networkStatus")
    if not changed - ({"networkStatus"} if network_down else set()) <= _PATCHED:
        return None
    if new.get("pid") != old.get("pid") and new.get("pid"):
        return None  # a new process: its cgroup path is podman's to find
    then, now = netns or ("", "")
    if now and now != then:
        return None  # a new network namespace: its addresses are podman's to tell
    if new.get("mounted") and new.get("mountPoint") != old.get("mountPoint"):
        return None  # a new mount (podman's merged dir is not always the mount point)
    out = copy.deepcopy(kept)
    if network_down or then != now:  # stopped: its network is down, its namespace gone
        _no_network(out)
    if not new.get("mounted"):
        data = (out.get("GraphDriver") or {}).get("Data")
        if isinstance(data, dict):
            data.pop("MergedDir", None)
    state = out.setdefault("State", {})
    number = int(new.get("state") or 0)
    status = STATUS_NAMES[number] if 0 <= number < len(STATUS_NAMES) else "bad state"
    state["Status"] = status
    state["Running"] = status == "running"
    state["Paused"] = status == "paused"
    state["Dead"] = status == "bad state"
    state["OOMKilled"] = bool(new.get("oomKilled"))
    state["Pid"] = int(new.get("pid") or 0)
    state["ExitCode"] = int(new.get("exitCode") or 0)
    state["StartedAt"] = new.get("startedTime") or _ZERO_TIME
    state["FinishedAt"] = new.get("finishedTime") or _ZERO_TIME
    _omitempty(state, "ConmonPid", int(new.get("conmonPid") or 0))
    if not state["Pid"]:
        state.pop("CgroupPath", None)
    out["RestartCount"] = int(new.get("restartCount") or 0)
    out["ExecIDs"] = sorted(new.get("newExecSessions") or {})
    if health is not KEEP:
        if not isinstance(health, dict) or not isinstance(state.get("Health"), dict):
            return None
        state["Health"] = health
    return out


def _omitempty(target: dict[str, Any], key: str, value: int) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _no_network(out: dict[str, Any]) -> None:
    """NetworkSettings as podman shows them once the container's network is down."""
    settings = out.get("NetworkSettings")
    if not isinstance(settings, dict):
        return
    if "SandboxKey" in settings:
        settings["SandboxKey"] = ""
    networks = settings.get("Networks")
    for block in [settings, *(networks.values() if isinstance(networks, dict) else [])]:
        if isinstance(block, dict):
            for key, empty in _NO_ADDRESS.items():
                if key in block:
                    block[key] = empty
            for key in _SECONDARY:
                block.pop(key, None)
