"""`POST /commit` and import changes -> podman `--change` arguments.

Handled body (ContainerConfig) fields: Cmd, Entrypoint, Env, ExposedPorts, Labels, User,
WorkingDir, Volumes, StopSignal (as Dockerfile instructions). Other fields that a
client set to a non-empty value are refused with 400 naming them (podman commit keeps the
container's own settings for everything else). `changes` accept the instructions podman
commit/import apply (HEALTHCHECK is refused with 400).
"""

from __future__ import annotations

import json
import re
from typing import Any

from dockershim.errors import InvalidParameter

_ALLOWED = re.compile(
    r"^\s*(CMD|ENTRYPOINT|ENV|EXPOSE|LABEL|ONBUILD|STOPSIGNAL|USER|VOLUME|WORKDIR)\b",
    re.I,
)
# Fields a Docker client fills with defaults; they carry no request when empty/false.
_IGNORED = {
    "Hostname",
    "Domainname",
    "AttachStdin",
    "AttachStdout",
    "AttachStderr",
    "Tty",
    "OpenStdin",
    "StdinOnce",
    "Image",
    "ArgsEscaped",
    "NetworkDisabled",
    "MacAddress",
    "OnBuild",
    "Shell",
}


_TYPES: dict[str, type | tuple[type, ...]] = {
    "Cmd": (list, str),
    "Entrypoint": (list, str),
    "Env": list,
    "ExposedPorts": dict,
    "Labels": dict,
    "User": str,
    "WorkingDir": str,
    "Volumes": dict,
    "StopSignal": str,
}


def change_args(change: str) -> list[str]:
    out: list[str] = []
    for line in change.splitlines():
        if not line.strip():
            continue
        if not _ALLOWED.match(line):
            word = line.split()[0]
            if word.upper() == "HEALTHCHECK":
                raise InvalidParameter(
                    "HEALTHCHECK changes are not supported by podman commit/import"
                )
            raise InvalidParameter(f"{word} is not a valid change command")
        out += ["--change", line.strip()]
    return out


def config_changes(config: dict[str, Any]) -> list[str]:
    """The container config a client sent with /commit -> `--change` arguments."""
    changes: list[str] = []
    for key, value in config.items():
        if value in (None, "", [], {}, False, 0):
            continue
        expected = _TYPES.get(key)
        if expected is not None and not isinstance(value, expected):
            raise InvalidParameter(f"commit: invalid value for config field {key}")
        if key == "Cmd":
            changes.append(f"CMD {json.dumps(value)}")
        elif key == "Entrypoint":
            changes.append(f"ENTRYPOINT {json.dumps(value)}")
        elif key == "Env":
            changes += [
                f"ENV {e.split('=', 1)[0]}={json.dumps(e.split('=', 1)[1] if '=' in e else '')}"
                for e in value
            ]
        elif key == "ExposedPorts":
            changes += [f"EXPOSE {port}" for port in value]
        elif key == "Labels":
            changes += [f"LABEL {json.dumps(k)}={json.dumps(v)}" for k, v in value.items()]
        elif key == "User":
            changes.append(f"USER {value}")
        elif key == "WorkingDir":
            changes.append(f"WORKDIR {value}")
        elif key == "Volumes":
            changes += [f"VOLUME {json.dumps([v])}" for v in value]
        elif key == "StopSignal":
            changes.append(f"STOPSIGNAL {value}")
        elif key == "Healthcheck":
            raise InvalidParameter("commit: the config field Healthcheck is not supported")
        elif key not in _IGNORED:
            raise InvalidParameter(f"commit: the config field {key} is not supported")
    out: list[str] = []
    for change in changes:
        out += ["--change", change]
    return out
