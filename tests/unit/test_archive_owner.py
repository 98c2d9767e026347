"""Giving every entry of a checked `docker cp` upload the owner 0:0 in place
(engine/archive_tar.make_root_owned): what podman's chown into a root container gives."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from dockershim.engine.archive_tar import make_root_owned


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b""
) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.uid, info.gid, info.uname, info.gname = kind, 1001, 1002, "me", "us"
    info.mode, info.mtime = 0o640, 1_000_000_000
    if kind == tarfile.SYMTYPE:
        info.linkname = "f"
    info.size = len(data)
    return info, data


def _write(path: Path, form: int, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(path, "w", format=form) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data else None)


def _read(path: Path) -> list[tuple[str, int, int, int, float, bytes]]:
    with tarfile.open(path) as archive:
        return [
            (
                i.name,
                i.uid,
                i.gid,
                i.mode,
                i.mtime,
                (archive.extractfile(i) or io.BytesIO()).read() if i.isreg() else b"",
            )
            for i in archive.getmembers()
        ]


@pytest.mark.parametrize("form", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_every_entry_becomes_root_owned_and_nothing_else_changes(tmp_path: Path, form: int) -> None:
    long_name = "d/" + "n" * 150 if form != tarfile.USTAR_FORMAT else "d/" + "n" * 90
    members = [
        _member("d", tarfile.DIRTYPE),
        _member("d/f", data=b"content\n" * 1000),
        _member("d/l", tarfile.SYMTYPE),
        _member(long_name, data=b"x"),
    ]
    path = tmp_path / "upload.tar"
    _write(path, form, members)
    before = _read(path)
    assert make_root_owned(str(path))
    after = _read(path)
    assert [(n, u, g) for n, u, g, *_ in after] == [(n, 0, 0) for n, *_ in before]
    assert [(n, m, t, d) for n, _, _, m, t, d in after] == [
        (n, m, t, d) for n, _, _, m, t, d in before
    ]
    with tarfile.open(path) as archive:  # the checksums hold: a strict reader takes it
        assert len(archive.getmembers()) == 4


def test_owners_kept_elsewhere_leave_the_archive_as_it_was(tmp_path: Path) -> None:
    """An owner in a PAX record (as a uid beyond the header's digits needs), or a compressed
    archive: False, and the file unchanged (podman then chowns)."""
    path = tmp_path / "pax.tar"
    info, data = _member("big", data=b"x")
    info.uid = 1 << 30  # beyond 7 octal digits: PAX keeps it
    _write(path, tarfile.PAX_FORMAT, [_member("a", data=b"y"), (info, data)])
    original = path.read_bytes()
    assert not make_root_owned(str(path))
    assert path.read_bytes() == original

    packed = tmp_path / "packed.tar"
    _write(packed, tarfile.PAX_FORMAT, [_member("a", data=b"y")])
    squeezed = tmp_path / "packed.tar.gz"
    squeezed.write_bytes(gzip.compress(packed.read_bytes()))
    original = squeezed.read_bytes()
    assert not make_root_owned(str(squeezed))
    assert squeezed.read_bytes() == original

    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar at all" * 100)
    assert not make_root_owned(str(broken))
