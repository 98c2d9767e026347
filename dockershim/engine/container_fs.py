"""Stat a path inside a running container through /proc/PID/root, without starting podman;
and read root's group there as podman would (the owner of a copy into it).

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
import re
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


_PASSWD = ("etc", "passwd")
_PASSWD_READ = 1 << 20  # bytes of it read at most
_LONGEST_LINE = 64 * 1024  # bufio.Scanner's limit
_DECIMAL = re.compile(rb"[0-9]+\Z")


def _mount_points(process: str) -> list[str]:
    """Where mounts sit in the container's view of its files (/proc/PID/mountinfo)."""
    with open(f"{process}/mountinfo", encoding="utf-8", errors="replace") as info:
        points = [line.split(" ")[4] for line in info if line.count(" ") >= 5]
    # the kernel escapes space, tab, newline and backslash as octal
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), p) for p in points]


def _read_passwd(process: str) -> bytes:
    """The container's /etc/passwd, opened one component at a time without following a
    link (never a file outside the container); b"" when it has none."""
    fd = os.open(f"{process}/root", os.O_PATH | os.O_DIRECTORY)
    try:
        for part in _PASSWD:
            flags = os.O_NOFOLLOW | (os.O_PATH | os.O_DIRECTORY if part != "passwd" else 0)
            try:
                nested = os.open(part, flags | os.O_CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                return b""
            os.close(fd)
            fd = nested
        with os.fdopen(fd, "rb", closefd=False) as text:
            return text.read(_PASSWD_READ + 1)
    finally:
        os.close(fd)


def root_primary_group(pid: int, proc: str = "/proc") -> int | None:
    """The group podman chowns a copy into a container running as root (no user, or "0")
    to: the group of the first /etc/passwd entry with uid 0, read as buildah's chrootuser
    reads it (the scan ends at the first line it cannot parse; no entry, or no file, is
    group 0). None when this view of the file may not be podman's (a mount over /etc or
    /etc/passwd, a link on the way) or it cannot be read: the caller lets podman look."""
    try:
        process = f"{proc}/{pid}"
        if any(p in ("/etc", "/etc/passwd") for p in _mount_points(process)):
            return None  # podman reads the image's file in the container's storage
        text = _read_passwd(process)
    except OSError:
        return None
    lines = text.split(b"\n")
    if len(text) > _PASSWD_READ:
        lines.pop()  # cut part way: what follows is not read
    for line in lines:
        if len(line) >= _LONGEST_LINE:
            break  # Go's line scanner stops there
        fields = line.removesuffix(b"\r").split(b":")
        if len(fields) != 7 or not (_DECIMAL.match(fields[2]) and _DECIMAL.match(fields[3])):
            break
        uid, gid = int(fields[2]), int(fields[3])
        if uid > 0xFFFFFFFF or gid > 0xFFFFFFFF:
            break
        if uid == 0:
            return gid
    return None if len(text) > _PASSWD_READ else 0
