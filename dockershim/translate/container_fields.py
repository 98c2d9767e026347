"""Small shared pieces of the create translation: field access, defaults, validation."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from dockershim.errors import InvalidParameter

# Annotations dockershim keeps on a container (not labels: users never see them in Labels).
ANN_IMAGE = "io.dockershim.image"
ANN_ENTRYPOINT = "io.dockershim.entrypoint"
ANN_NETWORK_MODE = "io.dockershim.network-mode"
ANN_CONSOLE_SIZE = "io.dockershim.console-size"  # HostConfig.ConsoleSize, for attach (streams)
ANN_AUTOREMOVE = "io.podman.annotations.autoremove"  # podman's own: HostConfig.AutoRemove


def auto_removes(annotations: dict[str, str]) -> bool:
    """Whether podman removes the container when it exits (`--rm`, Docker's AutoRemove)."""
    return str(annotations.get(ANN_AUTOREMOVE, "")).upper() == "TRUE"


# HostConfig fields podman rewrites (CAP_ names and its default drops, default ulimits, mount
# options): inspect shows them as the client sent them, as dockerd does.
ANN_HOST_FIELDS = "io.dockershim.hostconfig"
KEPT_HOST_FIELDS = ("Binds", "CapAdd", "CapDrop", "Ulimits", "Tmpfs")
# Shown back as sent when the client set them (podman's inspect has them in its own form or not
# at all); unset, inspect shows podman's value or dockerd's default.
ECHOED_HOST_FIELDS = (
    "CgroupnsMode", "UTSMode", "Isolation", "LogConfig", "VolumesFrom", "VolumeDriver", "Runtime",
    "Links", "PortBindings", "SecurityOpt",
)  # fmt: skip
ANN_BARE_ENV = "io.dockershim.bare-env"  # Env entries without "=", kept as sent (dockerd)

_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def is_default(value: Any) -> bool:
    """Docker clients send every field; these values mean "not set"."""
    if value is None or value is False or value == 0 or value == "":
        return True
    if isinstance(value, (list, tuple)):
        return all(is_default(v) for v in value)
    if isinstance(value, dict):
        return all(is_default(v) for v in value.values())
    return False


def refuse_unhandled(section: str, body: dict[str, Any], handled: set[str]) -> None:
    """400 for any field a client set that we neither translate nor knowingly accept."""
    for key, value in body.items():
        if key not in handled and not is_default(value):
            raise InvalidParameter(
                f"{section}{key} is not supported by dockershim (rootless podman backend)"
            )


def validate_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidParameter(
            f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )
    return name.lstrip("/")


def str_list(value: Any, field: str) -> list[str]:
    """A JSON list of strings (null is empty); a bare string counts as one item."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"{field}: expected a list of strings")
    return list(value)


def str_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{field}: expected an object")
    out: dict[str, str] = {}
    for key, val in value.items():
        if val is None:
            val = ""
        if not isinstance(val, (str, int, float, bool)):
            raise InvalidParameter(f"{field}: value of {key!r} must be a string")
        out[str(key)] = str(val) if not isinstance(val, bool) else str(val).lower()
    return out


def obj(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{field}: expected an object")
    return value


def integer(value: Any, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameter(f"{field}: expected a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParameter(f"{field}: number out of range")
    return int(value)


def no_option(value: str, field: str) -> str:
    """A client value podman must never read as an option (or as a CSV separator)."""
    if value.startswith("-"):
        raise InvalidParameter(f"{field}: invalid value {value!r}")
    return value


def duration(ns: int) -> str:
    """Docker's nanoseconds as a Go duration podman parses."""
    return f"{ns}ns"


def encode_host_fields(host: dict[str, Any]) -> str | None:
    """The KEPT_HOST_FIELDS the client sent, as an annotation value (base64: podman's
    --annotation would split a value at commas); None when it sent none."""
    kept = {key: host[key] for key in KEPT_HOST_FIELDS if key in host}
    kept.update({k: host[k] for k in ECHOED_HOST_FIELDS if not is_default(host.get(k))})
    if not kept:
        return None
    return encode_annotation(kept)


def encode_annotation(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_annotation(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(value.encode()))
    except (ValueError, binascii.Error):
        return None


def decode_host_fields(value: str | None) -> dict[str, Any] | None:
    kept = decode_annotation(value)
    return kept if isinstance(kept, dict) else None
