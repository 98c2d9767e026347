"""Unpack a build context (tar, maybe gzip/bzip2/xz) safely into a private directory.

Each entry is checked right before it is written, with the links extracted so far resolved:
an entry whose path (or a hard link whose target) leaves the directory, including through a
symlink extracted earlier, is refused with 400. Symlinks themselves may point anywhere (they
are copied into the image as links, as Docker does); nothing is ever written through them.
Device nodes are skipped. What it unpacks to is capped by the free disk space
(api/diskbudget.py). Entries get owner write permission so the directory can be removed.
A body that is no archive but plain text is taken as the Dockerfile itself.

The docker CLI, when the Dockerfile lies outside the context (`docker build -f /elsewhere/Dockerfile
ctx`), appends it to the context tar under a generated name and sends a tar whose last entry is
neither padded to a block nor followed by the end-of-archive blocks. Go's tar reader takes that end
as the end of the archive; Python's refuses it ("unexpected end of data"). So a compressed context
is first decompressed, and an archive that ends right after its last entry's data is complete.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tarfile
from io import BufferedIOBase

from dockershim.api import diskbudget
from dockershim.engine.archive_tar import each_member
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


def _decompressed(archive: str, magic: bytes) -> BufferedIOBase | None:
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(archive, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(archive, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(archive, "rb")
    return None


def _plain_tar(archive: str) -> None:
    """Rewrite a compressed `archive` in place as an uncompressed tar."""
    with open(archive, "rb") as handle:
        magic = handle.read(6)
    source = _decompressed(archive, magic)
    if source is not None:
        plain = archive + ".plain"
        try:
            with source, open(plain, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise InvalidParameter(f"the build context could not be decompressed: {exc}") from None
        os.replace(plain, archive)


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
    _plain_tar(archive)
    last: tarfile.TarInfo | None = None
    limit, unpacked = diskbudget.budget(root), 0
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in each_member(tar):
                last = member
                if member.isdev():
                    continue
                unpacked += member.size  # a compressed context may unpack to far more
                diskbudget.check(unpacked, limit, "the unpacked build context")
                _check(root, member)
                if member.islnk() and not os.path.lexists(os.path.join(root, member.linkname)):
                    # tarfile would look for it among the headers read, and none is kept
                    raise InvalidParameter(f"build context hard link {member.name!r} has no target")
                member.mode = (member.mode or 0o644) | (0o700 if member.isdir() else 0o600)
                try:
                    tar.extract(member, root, set_attrs=not member.issym())
                except OSError as exc:  # e.g. a symlink loop; strerror names no local path
                    raise InvalidParameter(
                        f"build context entry {member.name!r} cannot be unpacked: {exc.strerror}"
                    ) from None
    except tarfile.ReadError as exc:
        # Only the last entry's padding and the end blocks missing: the archive is complete.
        if last is None or last.offset_data + last.size != os.path.getsize(archive):
            raise InvalidParameter(f"the build context is not a valid tar archive: {exc}") from None
    except tarfile.TarError as exc:
        raise InvalidParameter(f"the build context is not a valid tar archive: {exc}") from None
