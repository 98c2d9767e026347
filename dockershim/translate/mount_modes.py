"""Docker's bind and volume options, checked as dockerd's Linux parser checks them, so that
podman-only options never ride in on Docker fields.

podman reads more in the same places: `:U` (chown the host directory recursively to the
container's user), `:O` (overlay), `idmap`, `noexec`...; and a comma in a mount option injects
further options. Only what dockerd accepts passes: rw/ro, z/Z (SELinux labels), one propagation
mode, nocopy, and the consistency modes (which mean nothing on Linux and are dropped).
"""

from __future__ import annotations

import posixpath

from dockershim.errors import InvalidParameter

PROPAGATION = ("private", "rprivate", "slave", "rslave", "shared", "rshared")
_GROUPS = {
    "rw": "rw",
    "ro": "rw",
    "z": "label",
    "Z": "label",
    "nocopy": "copy",
    **{mode: "propagation" for mode in PROPAGATION},
}
_CONSISTENCY = ("consistent", "cached", "delegated", "default")


def _mode(mode: str) -> list[str]:
    """The options of a Binds mode for podman; dockerd's "invalid mode" for anything else."""
    seen: set[str] = set()
    kept: list[str] = []
    for option in mode.split(","):
        group = _GROUPS.get(option) or ("consistency" if option in _CONSISTENCY else None)
        if group is None or group in seen:
            raise InvalidParameter(f"invalid mode: {mode}")
        seen.add(group)
        if group != "consistency":
            kept.append(option)
    return kept


def bind_spec(bind: str) -> str:
    """A HostConfig.Binds entry (`source:target[:mode]`) for podman's --volume."""
    parts = bind.split(":")
    if not parts[0] or len(parts) > 3 or (len(parts) == 2 and not parts[1]):
        raise InvalidParameter(f"invalid volume specification: '{bind}'")
    if len(parts) < 3:
        return bind
    kept = _mode(parts[2]) if parts[2] else []
    return ":".join(parts[:2] + ([",".join(kept)] if kept else []))


def clean_path(path: str) -> str:
    """Go's path.Clean, as podman and dockerd clean a mount target (Python's normpath keeps
    a leading `//`)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def propagation(value: str) -> str:
    if value not in PROPAGATION:
        raise InvalidParameter(f"invalid propagation mode: {value}")
    return value


def volume_path(target: str) -> str:
    """A Config.Volumes key: a container path for an anonymous volume, never `host:container`
    (which podman's --volume would take as a bind mount of the host path)."""
    if not target.startswith("/") or ":" in target or "," in target:
        raise InvalidParameter(
            f"invalid volume path {target!r}: Config.Volumes keys are absolute container paths"
        )
    return target
