"""Unpack a build context (tar, maybe gzip/bzip2/xz) safely into a private directory.

Each entry is checked right before it is written, with the links extracted so far resolved:
an entry whose path (or a hard link whose target) leaves the directory, including through a
symlink extracted earlier, is refused with 400. Symlinks themselves may point anywhere (they
are copied into the image as links, as Docker does); nothing is ever written through them.
Device nodes are skipped. What it unpacks to is capped by the free disk space
(api/diskbudget.py). Entries get owner write permission so the directory can be removed.
A body that is no archive but plain text is taken as the Dockerfile itself.
"""

from __future__ import annotations

import os
import tarfile

from dockershim.api import diskbudget
from dockershim.errors import InvalidParameter


def _inside(root: str, path: str) -> bool:
    target = os.path.realpath(os.path.join(root, path))
    return target == root or target.startswith(root + os.sep)


def _check(root: str, member: tarfile.TarInfo) -> None:
    name = member.name
    if os.path.isabs(name) or not _inside(root, name):
        raise InvalidParameter(f"build context entry {name!r} leaves the context")
    if member.islnk() and (os.path.isabs(member.linkname) or not _inside(root, member.linkname)):
        raise InvalidParameter(f"build context hard link {name!r} leaves the context")


_MAX_BARE_DOCKERFILE = 1 << 20


def _bare_dockerfile(archive: str) -> str | None:
    """A body that is no archive but text is a Dockerfile on its own (as dockerd accepts)."""
    if os.path.getsize(archive) > _MAX_BARE_DOCKERFILE or tarfile.is_tarfile(archive):
        return None
    with open(archive, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if "\x00" not in text else None


def extract_context(archive: str, root: str, dockerfile: str = "Dockerfile") -> None:
    """Unpack `archive` into the existing directory `root` (an absolute, resolved path); a
    bare Dockerfile body becomes `root/<dockerfile>`."""
    root = os.path.realpath(root)
    bare = _bare_dockerfile(archive)
    if bare is not None:
        if os.path.basename(dockerfile) != dockerfile:
            raise InvalidParameter("a bare Dockerfile body cannot name a Dockerfile in a directory")
        with open(os.path.join(root, dockerfile), "w", encoding="utf-8") as handle:
            handle.write(bare)
        return
    limit, unpacked = diskbudget.budget(root), 0
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.isdev():
                    continue
                unpacked += member.size  # a compressed context may unpack to far more
                diskbudget.check(unpacked, limit, "the unpacked build context")
                _check(root, member)
                member.mode = (member.mode or 0o644) | (0o700 if member.isdir() else 0o600)
                try:
                    tar.extract(member, root, set_attrs=not member.issym())
                except OSError as exc:  # e.g. a symlink loop; strerror names no local path
                    raise InvalidParameter(
                        f"build context entry {member.name!r} cannot be unpacked: {exc.strerror}"
                    ) from None
    except tarfile.TarError as exc:
        raise InvalidParameter(f"the build context is not a valid tar archive: {exc}") from None
