"""podman's container inspect JSON brought up to date from a newer stored state (pure).

podman 4.3 builds `podman container inspect` from a container's config and its state
(libpod/container_inspect.go). When the config side is unchanged and the state moved only in
fields whose place in the inspect JSON is known, the kept JSON is patched instead of asking
the CLI again: the status word and its flags, exit code, times, OOM flag, conmon pid, exec
sessions (`ExecIDs`), the restart count, and the healthcheck log (`State.Health`). Anything
else (a new pid, whose cgroup path podman reads from /proc; bind mounts, network status, the
OCI config path) makes `overlay` return None, and the engine asks the CLI.
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


def overlay(
    kept: dict[str, Any], old: dict[str, Any], new: dict[str, Any], health: Any = KEEP
) -> dict[str, Any] | None:
    """`kept` (inspect JSON taken when the state was `old`) as podman shows it at state `new`;
    `health` is the parsed healthcheck log when it changed. None when only podman can tell."""
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    if not changed <= _PATCHED:
        return None
    if new.get("pid") != old.get("pid") and new.get("pid"):
        return None  # a new process: its cgroup path is podman's to find
    out = copy.deepcopy(kept)
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
