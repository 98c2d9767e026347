"""Stat a path inside a running container through /proc/PID/root, without starting podman.

`podman cp` needs about half a second before its first byte; a stat (HEAD /archive, the
destination check of PUT /archive) only needs one lstat. The owner of a rootless container can
read /proc/PID/root of its processes. The kernel would resolve an absolute symlink met on the
way relative to *our* root, so the path is walked here component by component, each symlink
resolved inside the container's root (like a chroot). Any error (permissions, loops) returns
None and the caller falls back to podman.
"""

from __future__ import annotations

import contextlib
import os
import stat

from dockershim.translate.archive import (
    KIND_BLOCK,
    KIND_CHAR,
    KIND_DIR,
    KIND_FIFO,
    KIND_REGULAR,
    KIND_SYMLINK,
    Entry,
)

_MAX_LINKS = 40


class _Missing(Exception):
    """The path does not exist in the container."""


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]


def resolve(root: str, path: str, *, follow_last: bool) -> str:
    """The container path `path` with its symlinks resolved inside `root` ("/..." result)."""
    pending = _parts(path)
    current: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if current:
                current.pop()
            continue
        candidate = [*current, part]
        host = os.path.join(root, *candidate)
        try:
            info = os.lstat(host)
        except FileNotFoundError:
            raise _Missing(path) from None
        if stat.S_ISLNK(info.st_mode) and (pending or follow_last):
            links += 1
            if links > _MAX_LINKS:
                raise OSError("too many levels of symbolic links")
            target = os.readlink(host)
            if target.startswith("/"):
                current = []
            pending = _parts(target) + pending
            continue
        if pending and not stat.S_ISDIR(info.st_mode):
            raise _Missing(path)
        current = candidate
    return "/" + "/".join(current)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return KIND_DIR
    if stat.S_ISLNK(mode):
        return KIND_SYMLINK
    if stat.S_ISCHR(mode):
        return KIND_CHAR
    if stat.S_ISBLK(mode):
        return KIND_BLOCK
    if stat.S_ISFIFO(mode):
        return KIND_FIFO
    return KIND_REGULAR


def stat_in_container(pid: int, path: str, *, follow: bool) -> tuple[Entry, str] | None:
    """(entry, link target) of `path` in the container of `pid`; None when it cannot be read
    this way. Raises FileNotFoundError when the path does not exist."""
    root = f"/proc/{pid}/root"
    try:
        resolved = resolve(root, path, follow_last=follow)
        host = root + resolved
        info = os.lstat(host)
        link_target = ""
        if stat.S_ISLNK(info.st_mode):
            with contextlib.suppress(_Missing):
                link_target = resolve(root, path, follow_last=True)
    except _Missing:
        raise FileNotFoundError(path) from None
    except OSError:
        return None
    name = os.path.basename(resolved.rstrip("/")) or "/"
    entry = Entry(
        name=name,
        kind=_kind(info.st_mode),
        mode=stat.S_IMODE(info.st_mode),
        size=info.st_size,
        mtime=info.st_mtime,
        linkname=os.readlink(host) if stat.S_ISLNK(info.st_mode) else "",
    )
    return entry, link_target
