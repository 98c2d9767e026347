"""Reading and rewriting the tar streams of docker cp (file objects and tarfile; no processes)."""

from __future__ import annotations

import asyncio
import io
import lzma
import queue
import tarfile
import tempfile
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
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
    check_entries,
)

_CHUNK = 1 << 16
_QUEUED = 64  # chunks of an upload waiting for the entry check (a few MiB at most)


def each_member(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The archive's members in turn, none kept: a TarFile keeps every header it has read
    (~440 bytes each), so an upload of empty entries would make its reader hold memory in
    proportion to its size (a 1 GiB archive: ~0.9 GB)."""
    kept: list[tarfile.TarInfo] = archive.members  # type: ignore[attr-defined]  # no API
    while (info := archive.next()) is not None:
        kept.clear()
        yield info


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


class EntryCheck:
    """Every header of an upload checked as it streams by (translate/archive.check_entries:
    nothing that escapes `dest`), in a thread of its own reading tarfile's stream mode
    (plain or compressed), so the upload never has to be kept whole first.

    `feed()` each chunk, then `verdict()`: InvalidParameter (400) for an archive that is
    not a tar or has an entry escaping `dest`, raised as soon as it is seen."""

    def __init__(self, dest: str) -> None:
        self._dest = dest
        self._chunks: queue.Queue[bytes | None] = queue.Queue(_QUEUED)
        self._pending = bytearray()
        self._eof = False
        self._error: InvalidParameter | None = None
        self._task = asyncio.ensure_future(asyncio.to_thread(self._run))

    async def feed(self, chunk: bytes) -> None:
        self.raise_error()
        await self._put(chunk)

    async def verdict(self) -> None:
        await self._put(None)
        await self._task
        self.raise_error()

    async def abandon(self) -> None:
        """End the thread (an upload that will not be finished)."""
        if not self._task.done():
            await self._put(None)
            await self._task

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    async def _put(self, item: bytes | None) -> None:
        try:
            self._chunks.put_nowait(item)
        except queue.Full:  # the reader is behind: wait without blocking the event loop
            await asyncio.to_thread(self._chunks.put, item)

    def read(self, size: int = -1) -> bytes:
        """tarfile's file object: blocks (in the thread) until `size` bytes or the end."""
        while not self._eof and (size < 0 or len(self._pending) < size):
            chunk = self._chunks.get()
            if chunk is None:
                self._eof = True
            else:
                self._pending += chunk
        cut = len(self._pending) if size < 0 else min(size, len(self._pending))
        out = bytes(self._pending[:cut])
        del self._pending[:cut]
        return out

    def _run(self) -> None:
        try:
            with tarfile.open(fileobj=self, mode="r|*") as archive:  # type: ignore[call-overload]
                for info in each_member(archive):
                    check_entries([to_entry(info)], self._dest)
        except InvalidParameter as exc:
            self._error = exc
        except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            reason = (str(exc).splitlines() or [""])[-1].strip("- ")
            self._error = InvalidParameter(
                f"the request body is not a readable tar archive: {reason}"
            )
        while not self._eof:  # what follows the archive, or all of it after a refusal
            self._eof = self._chunks.get() is None


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
        for info in each_member(reader):
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
