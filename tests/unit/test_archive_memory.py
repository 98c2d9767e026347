"""What an archive of many empty entries makes dockershim hold while it reads one: a TarFile
keeps every header it has read (~440 bytes each), so without care a 1 GiB upload of empty
entries (2 M headers) would hold ~0.9 GB. Each reader of client archives keeps none."""

from __future__ import annotations

import asyncio
import io
import tarfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from dockershim.api.buildcontext import extract_context
from dockershim.engine.archive_tar import EntryCheck

_ENTRIES = 12_000  # 6 MB of headers: ~5 MB of TarInfo objects if they were kept
_BOUND = 2 << 20  # bytes at the peak, for every reader below


def _many_entries(kind: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for number in range(_ENTRIES):
            info = tarfile.TarInfo("d" if kind == tarfile.DIRTYPE else f"f{number}")
            info.type, info.mode = kind, 0o755
            archive.addfile(info)
    return out.getvalue()


def _peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_upload_check_keeps_no_headers() -> None:
    data = _many_entries(tarfile.REGTYPE)

    async def check() -> None:
        entries = EntryCheck("/dest")
        try:
            for at in range(0, len(data), 1 << 14):
                await entries.feed(data[at : at + (1 << 14)])
            await entries.verdict()
        finally:
            await entries.abandon()

    assert _peak(lambda: asyncio.run(check())) < _BOUND


def test_unpacking_a_build_context_keeps_no_headers(tmp_path: Path) -> None:
    context = tmp_path / "context.tar"
    context.write_bytes(_many_entries(tarfile.DIRTYPE))  # one directory, again and again
    root = tmp_path / "root"
    root.mkdir()
    assert _peak(lambda: extract_context(str(context), str(root))) < _BOUND
    assert [p.name for p in root.iterdir()] == ["d"]
