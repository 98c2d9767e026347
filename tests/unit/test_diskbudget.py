"""Uploads decompress or unpack to no more than the disk allows (413)."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from dockershim.api import buildcontext, diskbudget, imagearchive
from dockershim.errors import TooLarge


@pytest.fixture
def one_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diskbudget, "budget", lambda directory: 1 << 20)


def test_a_gzip_bomb_image_archive_is_refused(tmp_path: Path, one_mib: None) -> None:
    path = tmp_path / "load.tar"
    path.write_bytes(gzip.compress(b"\0" * (8 << 20)))  # 8 KiB that become 8 MiB
    with pytest.raises(TooLarge) as info:
        imagearchive._decompress_in_place(str(path))
    assert info.value.status == 413
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.tar"]  # nothing left behind


def test_a_build_context_bomb_is_refused(tmp_path: Path, one_mib: None) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        entry = tarfile.TarInfo("big")
        entry.size = 8 << 20
        tar.addfile(entry, io.BytesIO(b"\0" * entry.size))
    archive = tmp_path / "context.tar"
    archive.write_bytes(data.getvalue())
    (tmp_path / "ctx").mkdir()
    with pytest.raises(TooLarge):
        buildcontext.extract_context(str(archive), str(tmp_path / "ctx"))
    assert list((tmp_path / "ctx").iterdir()) == []


def test_the_budget_keeps_a_reserve(tmp_path: Path) -> None:
    assert 0 <= diskbudget.budget(str(tmp_path)) < diskbudget.shutil.disk_usage(tmp_path).free
