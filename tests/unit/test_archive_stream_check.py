"""The entry check of a `docker cp` upload, run as the archive streams by (engine/archive_tar):
every entry seen in any chunking, refusals, compressed and odd archives."""

from __future__ import annotations

import asyncio
import gzip
import io
import tarfile

import pytest

from dockershim.engine.archive_tar import EntryCheck
from dockershim.errors import InvalidParameter


def _tar(*members: tuple[str, bytes | None, str]) -> bytes:
    """(name, data or None for a symlink, link target)"""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data, target in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.linkname = tarfile.SYMTYPE, target
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


async def _verdict(data: bytes, chunk: int = 1000) -> None:
    check = EntryCheck("/dest")
    try:
        for at in range(0, len(data), chunk):
            await check.feed(data[at : at + chunk])
        await check.verdict()
    finally:
        await check.abandon()


def test_a_good_archive_passes_in_any_chunking() -> None:
    data = _tar(("a.txt", b"x" * 70000, ""), ("d/" + "n" * 200, b"long name", ""))
    data += b"trailing bytes after the archive's end"
    for chunk in (1, 511, 4096, 1 << 20):
        asyncio.run(_verdict(data, chunk))


def test_compressed_archives_are_read() -> None:
    asyncio.run(_verdict(gzip.compress(_tar(("a.txt", b"hello", "")))))


@pytest.mark.parametrize(
    "members",
    [
        (("ok.txt", b"fine", ""), ("../escape.txt", b"no", "")),
        (("ok.txt", b"fine", ""), ("lnk", None, "../../etc")),
    ],
)
def test_an_escaping_entry_is_refused(members: tuple[tuple[str, bytes | None, str], ...]) -> None:
    with pytest.raises(InvalidParameter, match="would be written outside"):
        asyncio.run(_verdict(_tar(*members)))


@pytest.mark.parametrize("data", [b"", b"not a tar archive at all" * 100])
def test_not_a_tar_is_a_400(data: bytes) -> None:
    with pytest.raises(InvalidParameter, match="not a readable tar archive"):
        asyncio.run(_verdict(data))
