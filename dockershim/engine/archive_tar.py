"""Reading and rewriting the tar streams of docker cp (file objects and tarfile; no processes)."""

from __future__ import annotations

import asyncio
import io
import tarfile
import tempfile
from collections.abc import AsyncIterator, Callable
from typing import IO

from dockershim.errors import InvalidParameter
from dockershim.translate.archive import (
    KIND_BLOCK,
    KIND_CHAR,
    KIND_DIR,
    KIND_FIFO,
    KIND_HARDLINK,
    KIND_REGULAR,
    KIND_SYMLINK,
    Entry,
)

_CHUNK = 1 << 16


def _kind(info: tarfile.TarInfo) -> str:
    if info.isdir():
        return KIND_DIR
    if info.issym():
        return KIND_SYMLINK
    if info.islnk():
        return KIND_HARDLINK
    if info.ischr():
        return KIND_CHAR
    if info.isblk():
        return KIND_BLOCK
    if info.isfifo():
        return KIND_FIFO
    return KIND_REGULAR


def to_entry(info: tarfile.TarInfo) -> Entry:
    return Entry(
        name=info.name,
        kind=_kind(info),
        mode=info.mode,
        size=info.size,
        mtime=float(info.mtime),
        linkname=info.linkname,
    )


def first_entry(buffer: bytes, *, eof: bool) -> Entry | None:
    """The first header of a (possibly still incomplete) tar stream, None if not there yet."""
    if not buffer:
        return None
    try:
        with tarfile.open(fileobj=io.BytesIO(buffer), mode="r|") as archive:
            info = archive.next()
    except (tarfile.TarError, EOFError):
        if eof:
            raise InvalidParameter("podman returned an unreadable archive") from None
        return None
    return to_entry(info) if info is not None else None


def entries_of(spool: IO[bytes]) -> list[Entry]:
    """Every header of an uploaded archive (plain or compressed); 400 when it is not a tar."""
    try:
        with tarfile.open(fileobj=spool, mode="r:*") as archive:
            return [to_entry(info) for info in archive]
    except (tarfile.TarError, EOFError, OSError) as exc:
        reason = (str(exc).splitlines() or [""])[-1].strip("- ")
        raise InvalidParameter(
            f"the request body is not a readable tar archive: {reason}"
        ) from None


def _dir_info(entry: Entry) -> tarfile.TarInfo:
    info = tarfile.TarInfo("./")
    info.type = tarfile.DIRTYPE
    info.mode = entry.mode
    info.mtime = int(entry.mtime)
    info.uname = info.gname = "root"
    return info


def _rewrite(
    src: IO[bytes], dst: IO[bytes], rename: Callable[[str], str], first: Entry | None
) -> None:
    with (
        tarfile.open(fileobj=src, mode="r:") as reader,
        tarfile.open(fileobj=dst, mode="w:", format=tarfile.PAX_FORMAT) as writer,
    ):
        if first is not None:
            writer.addfile(_dir_info(first))
        for info in reader:
            data = reader.extractfile(info) if info.isreg() else None
            info.name = rename(info.name)
            if info.islnk():
                info.linkname = rename(info.linkname)
            writer.addfile(info, data)


async def rebase_archive(
    chunks: AsyncIterator[bytes], rename: Callable[[str], str], first: Entry | None = None
) -> AsyncIterator[bytes]:
    """The same archive with its entry names rewritten (spooled: only for the rare cases),
    optionally led by a directory entry "./" with `first`'s mode and time."""
    with (
        tempfile.TemporaryFile() as src,
        tempfile.TemporaryFile() as dst,
    ):
        async for chunk in chunks:
            src.write(chunk)
        src.seek(0)
        await asyncio.to_thread(_rewrite, src, dst, rename, first)
        dst.seek(0)
        while chunk := dst.read(_CHUNK):
            yield chunk
