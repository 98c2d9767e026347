"""docker cp support: the path-stat header, tar entry checks, and `podman diff` -> changes.

- `X-Docker-Container-Path-Stat`: base64 (URL alphabet, as dockerd) of JSON
  `{"name", "size", "mode", "mtime", "linkTarget"}`; `mode` is Go's `os.FileMode` (type bits
  high: directory 1<<31, symlink 1<<27, ...), which is what the docker CLI decodes.
- `check_entries`: a tar sent to `PUT /archive` may not write outside the extraction directory:
  names that climb out with `..`, hard links to such names, and relative symlinks pointing out
  (dockerd's breakout checks) are refused before anything is extracted. Absolute symlinks are
  allowed, as dockerd does (they resolve inside the container).
- `docker_changes`: `podman diff --format json` -> `[{"Path", "Kind"}]` (0 modified, 1 added,
  2 deleted), sorted by path.
"""

from __future__ import annotations

import base64
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.container_status import parse_time

# Go's os.FileMode type and special bits.
GO_DIR = 1 << 31
GO_SYMLINK = 1 << 27
GO_DEVICE = 1 << 26
GO_NAMED_PIPE = 1 << 25
GO_SOCKET = 1 << 24
GO_SETUID = 1 << 23
GO_SETGID = 1 << 22
GO_CHAR_DEVICE = 1 << 21
GO_STICKY = 1 << 20

KIND_REGULAR = "file"
KIND_DIR = "dir"
KIND_SYMLINK = "symlink"
KIND_HARDLINK = "hardlink"
KIND_CHAR = "char"
KIND_BLOCK = "block"
KIND_FIFO = "fifo"


@dataclass(frozen=True)
class Entry:
    """What the checks and the stat need from one tar header."""

    name: str
    kind: str
    mode: int = 0o644
    size: int = 0
    mtime: float = 0.0
    linkname: str = ""


def go_file_mode(mode: int, kind: str) -> int:
    out = mode & 0o777
    if mode & 0o4000:
        out |= GO_SETUID
    if mode & 0o2000:
        out |= GO_SETGID
    if mode & 0o1000:
        out |= GO_STICKY
    out |= {
        KIND_DIR: GO_DIR,
        KIND_SYMLINK: GO_SYMLINK,
        KIND_CHAR: GO_DEVICE | GO_CHAR_DEVICE,
        KIND_BLOCK: GO_DEVICE,
        KIND_FIFO: GO_NAMED_PIPE,
    }.get(kind, 0)
    return out


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stat_name(path: str) -> str:
    """The `name` of Docker's stat of `path`: its last component ("/" for the root)."""
    clean = posixpath.normpath(path) if path else "/"
    return posixpath.basename(clean.rstrip("/")) or "/"


def path_stat(path: str, entry: Entry, link_target: str = "") -> dict[str, Any]:
    """Docker's container path stat for `path`, from the first entry of its tar."""
    return {
        "name": _stat_name(path),
        "size": 4096 if entry.kind == KIND_DIR and entry.size == 0 else entry.size,
        "mode": go_file_mode(entry.mode, entry.kind),
        "mtime": _rfc3339(entry.mtime),
        "linkTarget": link_target,
    }


@dataclass(frozen=True)
class ServiceStat:
    """What dockershim reads of podman's own stat of a path (a link's own, but `is_dir`
    says whether its target is a directory)."""

    is_dir: bool  # of a symlink: whether its target is a directory
    mtime: float
    size: int = 0  # of a symlink: the link's own, as its mode
    mode: int = 0  # Go's FileMode bits, as Docker's stat carries them
    link_target: str = ""  # podman's: the path resolved in the container


def service_path_stat(path: str, found: ServiceStat) -> dict[str, Any]:
    """Docker's container path stat for `path` from podman's stat of it, which is dockerd's:
    a link's own mode and size, with the path it resolves to as `linkTarget`."""
    link = bool(found.mode & GO_SYMLINK)
    return {
        "name": _stat_name(path),
        "size": found.size,
        "mode": found.mode | (GO_DIR if found.is_dir and not link else 0),
        "mtime": _rfc3339(found.mtime),
        "linkTarget": found.link_target if link else "",
    }


def service_stat(header: str) -> ServiceStat | None:
    """podman's `X-Docker-Container-Path-Stat` (its FileInfo: `isDir`, `mtime` as RFC 3339,
    ...); None when absent or unreadable."""
    try:
        info = json.loads(base64.urlsafe_b64decode(header.encode("ascii")))
    except (ValueError, UnicodeEncodeError):
        return None
    if not isinstance(info, dict):
        return None
    try:
        mode, size = int(info.get("mode") or 0), int(info.get("size") or 0)
    except (TypeError, ValueError):
        return None
    mtime = parse_time(str(info.get("mtime") or "")) or 0.0
    is_dir = bool(info.get("isDir")) or bool(mode & GO_DIR)
    return ServiceStat(is_dir, mtime, size, mode, str(info.get("linkTarget") or ""))


def encode_stat(stat: Mapping[str, Any]) -> str:
    raw = json.dumps(stat, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _inside(relative: str) -> bool:
    return relative != ".." and not relative.startswith("../")


def _breakout(name: str, dest: str) -> InvalidParameter:
    return InvalidParameter(
        f"refusing to extract the archive: entry {name!r} would be written outside of "
        f"{dest!r} (nothing was copied)"
    )


def check_entries(entries: Iterable[Entry], dest: str) -> int:
    """Refuse an archive with any entry escaping the extraction directory; count entries."""
    count = 0
    for entry in entries:
        count += 1
        name = posixpath.normpath(entry.name.lstrip("/") or ".")
        if not _inside(name):
            raise _breakout(entry.name, dest)
        if entry.kind == KIND_HARDLINK:
            target = posixpath.normpath(entry.linkname.lstrip("/") or ".")
            if not _inside(target):
                raise _breakout(f"{entry.name} => {entry.linkname}", dest)
        elif entry.kind == KIND_SYMLINK and not entry.linkname.startswith("/"):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), entry.linkname))
            if not _inside(target):
                raise _breakout(f"{entry.name} -> {entry.linkname}", dest)
    return count


def rebase_name(name: str, old_root: str, new_root: str) -> str:
    """`old_root/rest` -> `new_root/rest` (a followed symlink keeps the name the client asked)."""
    if name == old_root or name == old_root + "/":
        return new_root + ("/" if name.endswith("/") else "")
    if name.startswith(old_root + "/"):
        return new_root + name[len(old_root) :]
    return name


def docker_changes(diff: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    kinds = {"changed": 0, "added": 1, "deleted": 2}
    out = [
        {"Path": str(path), "Kind": kind}
        for key, kind in kinds.items()
        for path in ((diff or {}).get(key) or [])
    ]
    paths = [str(c["Path"]) for c in out]
    out = [c for c in out if not _runtime_touched(c, paths)]
    return sorted(out, key=lambda c: str(c["Path"]))


# podman creates its mount points (/etc/hosts, /etc/hostname, /etc/resolv.conf) in the
# container's own layer and hides them from its diff, but not the directory they changed;
# dockerd creates them in a separate init layer, so `docker diff` never shows that directory.
_RUNTIME_DIRS = {"/etc"}


def _runtime_touched(change: dict[str, Any], paths: list[str]) -> bool:
    path = str(change["Path"])
    if change["Kind"] != 0 or path not in _RUNTIME_DIRS:
        return False
    return not any(p.startswith(path + "/") for p in paths)
