"""Exec: Docker's ExecConfig -> a stored record -> `podman exec` argv; record -> ExecInspect.

Handled fields of `POST /containers/{id}/exec`: AttachStdin, AttachStdout, AttachStderr, Tty,
ConsoleSize, DetachKeys, Env, Cmd, Privileged, User, WorkingDir. Refused with 400: an empty
Cmd, Env entries without "=" (podman would copy the service's own variable), a relative
WorkingDir, malformed DetachKeys. Other keys are ignored, as dockerd ignores them (the CLI
sends `Detach`, which only `POST /exec/{id}/start` reads). Podman has no "created but not
started" exec session, so an exec record lives in dockershim's state dir until start runs
`podman exec` with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.secret import Secret
from dockershim.translate.attach import parse_detach_keys

_BOOL_FIELDS = ("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "Privileged")


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"invalid {name}: expected a list of strings")
    return list(value)


def _console_size(value: Any) -> list[int] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and v >= 0 for v in value)
    ):
        raise InvalidParameter("invalid ConsoleSize: expected [height, width]")
    if value[0] == 0 or value[1] == 0:
        return None  # the CLI sends [0, 0] when it has no terminal
    return [int(value[0]), int(value[1])]


_FIELDS = (*_BOOL_FIELDS, "Cmd", "Env", "User", "WorkingDir", "DetachKeys", "ConsoleSize")


def _canonical_keys(body: dict[str, Any]) -> dict[str, Any]:
    """dockerd decodes JSON with Go's case-insensitive field matching: docker-py sends
    `detachKeys`, for one. An exact-case key wins over another spelling, as in Go."""
    out = dict(body)
    canonical = {name.lower(): name for name in _FIELDS}
    for key, value in body.items():
        name = canonical.get(key.lower())
        if name and name != key and name not in body:
            out[name] = value
    return out


def exec_config(body: dict[str, Any]) -> dict[str, Any]:
    """Validate an ExecConfig body; the normalized config that the record stores."""
    body = _canonical_keys(body)
    cmd = _strings(body.get("Cmd"), "Cmd")
    if not cmd:
        raise InvalidParameter("No exec command specified")
    env = _strings(body.get("Env"), "Env")
    for entry in env:
        if "=" not in entry or entry.startswith("="):
            raise InvalidParameter(f"invalid environment variable: {entry!r} (expected KEY=value)")
    workdir = body.get("WorkingDir") or ""
    if not isinstance(workdir, str) or (workdir and not workdir.startswith("/")):
        raise InvalidParameter(
            f"the working directory '{workdir}' is invalid, it needs to be an absolute path"
        )
    user = body.get("User") or ""
    if not isinstance(user, str):
        raise InvalidParameter("invalid User: expected a string")
    keys = body.get("DetachKeys") or ""
    if not isinstance(keys, str):
        raise InvalidParameter("invalid DetachKeys: expected a string")
    parse_detach_keys(keys)  # raises on a bad spec, at create as dockerd does
    config: dict[str, Any] = {name: bool(body.get(name)) for name in _BOOL_FIELDS}
    config.update(
        Cmd=cmd,
        Env=env,
        User=user,
        WorkingDir=workdir,
        DetachKeys=keys,
        ConsoleSize=_console_size(body.get("ConsoleSize")),
    )
    return config


def attaches_streams(config: dict[str, Any]) -> bool:
    return bool(config["AttachStdin"] or config["AttachStdout"] or config["AttachStderr"])


def exec_argv(container_id: str, config: dict[str, Any], *, detach: bool) -> list[str]:
    """`podman exec` for a stored config. Detach keys are handled by the pump, not podman."""
    argv = ["exec", "--detach-keys="]
    if detach:
        argv.append("--detach")
    else:
        if config["AttachStdin"]:
            argv.append("--interactive")
        if config["Tty"]:
            argv.append("--tty")
    if config["Privileged"]:
        argv.append("--privileged")
    if config["User"]:
        argv += ["--user", config["User"]]
    if config["WorkingDir"]:
        argv += ["--workdir", config["WorkingDir"]]
    for entry in config["Env"]:
        argv += ["--env", Secret(entry)]
    return [*argv, "--", container_id, *config["Cmd"]]


def inspect_body(record: dict[str, Any]) -> dict[str, Any]:
    """Docker's ExecInspectResponse for a record."""
    config = record["Config"]
    cmd = config["Cmd"]
    return {
        "CanRemove": False,
        "ContainerID": record["ContainerID"],
        "DetachKeys": config["DetachKeys"],
        "ExitCode": record.get("ExitCode"),
        "ID": record["ID"],
        "OpenStderr": config["AttachStderr"],
        "OpenStdin": config["AttachStdin"],
        "OpenStdout": config["AttachStdout"],
        "ProcessConfig": {
            "arguments": cmd[1:],
            "entrypoint": cmd[0],
            "privileged": config["Privileged"],
            "tty": config["Tty"],
            "user": config["User"],
        },
        "Running": bool(record.get("Running")),
        "Pid": int(record.get("Pid") or 0),
    }


# podman's exec session states (libpod define.ContainerExecStatus)
_EXEC_RUNNING = 2
_EXEC_STOPPED = 3
_SESSION_ID = re.compile(r"^[0-9a-f]{64}$")


def session_id(podman_output: str) -> str | None:
    """The exec session id `podman exec --detach` prints."""
    text = podman_output.strip()
    return text if _SESSION_ID.match(text) else None


def session_facts(state: Mapping[str, Any], session: str) -> dict[str, Any] | None:
    """Running, ExitCode and Pid of podman exec session `session`, from the container's stored
    state (`newExecSessions`); None when podman no longer keeps it."""
    sessions = state.get("newExecSessions") or {}
    found = sessions.get(session) if isinstance(sessions, dict) else None
    if not isinstance(found, dict):
        return None
    status = int(found.get("state") or 0)
    stopped = status == _EXEC_STOPPED
    return {
        "Running": status == _EXEC_RUNNING,
        "ExitCode": int(found.get("exitCode") or 0) if stopped else None,
        "Pid": int(found.get("pid") or 0),
    }


def running_session(state: Mapping[str, Any], command: list[str], claimed: set[str]) -> str | None:
    """The one running session of `command` that no exec record has claimed; None if there is
    none, or several (two identical commands at once cannot be told apart)."""
    sessions = state.get("newExecSessions") or {}
    if not isinstance(sessions, dict):
        return None
    found = [
        sid
        for sid, s in sessions.items()
        if isinstance(s, dict)
        and sid not in claimed
        and int(s.get("state") or 0) == _EXEC_RUNNING
        and (s.get("config") or {}).get("command") == command
    ]
    return found[0] if len(found) == 1 else None
