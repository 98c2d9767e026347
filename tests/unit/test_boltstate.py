"""The read-only bbolt reader: a real podman 4.3.1 state file and built ones (branches, inline
buckets, stale copies, corruption)."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dockershim.podman.boltstate import BoltError, BoltFile, locate
from tests.fakes import FIXTURES
from tests.unit.bolt_builder import Builder, Inline

REAL = Path(FIXTURES) / "bolt_state.db"
ALWAYS_ID = "ab9e00e96f039408cf27f6e4c1241d6f0294579e05ad01bfcc815ec1ef89bab3"
Opener = Callable[[bytes], int]
NO_ID = "64d14f2a1aa47d70143ac3611e6cb84f2691e6b4ec5d23361782b038225c12e3"


@pytest.fixture
def open_file(tmp_path: Path) -> Iterator[Opener]:
    fds: list[int] = []

    def opener(data: bytes) -> int:
        path = tmp_path / f"db{len(fds)}"
        path.write_bytes(data)
        fds.append(os.open(path, os.O_RDONLY))
        return fds[-1]

    yield opener
    for fd in fds:
        os.close(fd)


def _read(fd: int, path: list[bytes], key: bytes) -> bytes | None:
    where = locate(fd, path, key)
    return None if where is None else os.pread(fd, where.length, where.offset)


def test_real_podman_state(open_file: Opener) -> None:
    fd = open_file(REAL.read_bytes())
    assert BoltFile(fd).meta.page_size == 4096
    for cid, name in ((ALWAYS_ID, "always"), (NO_ID, "no")):
        config = _read(fd, [b"ctr", cid.encode()], b"config")
        expected = (Path(FIXTURES) / f"container_config_restart_{name}.json").read_bytes()
        assert config == expected
    assert _read(fd, [b"name-registry"], b"rpcap2") == NO_ID.encode()  # an inline bucket
    assert _read(fd, [b"ctr", b"0" * 64], b"config") is None
    assert _read(fd, [b"nope"], b"config") is None
    assert _read(fd, [b"ctr"], NO_ID.encode()) is None  # a bucket, not a value


def test_branches_inline_buckets_and_overflow(open_file: Opener) -> None:
    builder = Builder(leaf_max=3)
    big = b"x" * 9000  # spans overflow pages
    tree = {
        b"ctr": {f"id{i:02d}".encode(): {b"config": f"cfg{i}".encode()} for i in range(20)},
        b"small": Inline({b"k": b"v"}),
        b"big": {b"config": big},
    }
    fd = open_file(builder.file([builder.bucket(tree)]))
    for i in range(20):
        assert _read(fd, [b"ctr", f"id{i:02d}".encode()], b"config") == f"cfg{i}".encode()
    assert _read(fd, [b"ctr", b"id20"], b"config") is None
    assert _read(fd, [b"ctr", b"a"], b"config") is None  # before the first key
    assert _read(fd, [b"small"], b"k") == b"v"
    assert _read(fd, [b"big"], b"config") == big


def test_only_the_live_copy_counts(open_file: Opener) -> None:
    builder = Builder()
    old = builder.bucket({b"ctr": {b"id": {b"config": b"stale"}}})
    new = builder.bucket({b"ctr": {b"id": {b"config": b"fresh"}}})
    fd = open_file(builder.file([old, new]))
    assert _read(fd, [b"ctr", b"id"], b"config") == b"fresh"
    # a live meta with a bad checksum is not trusted: bbolt falls back to the other one
    fd = open_file(builder.file([old, new], corrupt_live=True))
    assert _read(fd, [b"ctr", b"id"], b"config") == b"stale"


def test_corrupt_files_are_clear_errors(open_file: Opener) -> None:
    good = REAL.read_bytes()
    with pytest.raises(BoltError, match="no valid meta page"):
        BoltFile(open_file(b"\0" * 16384))
    with pytest.raises(BoltError, match="no valid meta page"):
        BoltFile(open_file(b"SQLite format 3\0" + b"\0" * 8192))
    bad_checksums = bytearray(good)
    for page in (0, 4096):
        bad_checksums[page + 16 + 60] ^= 0xFF
    with pytest.raises(BoltError, match="checksum"):
        BoltFile(open_file(bytes(bad_checksums)))
    with pytest.raises(BoltError):
        BoltFile(open_file(b""))
    # a root page pointing past the end of the file
    fd = open_file(good)
    live = BoltFile(fd).meta.root
    truncated = good[: live * 4096]
    with pytest.raises(BoltError, match="outside the file"):
        locate(open_file(truncated), [b"ctr"], b"x")
    # garbage in every data page: errors, never a crash or a hang
    garbage = bytearray(good)
    for page in range(2, len(good) // 4096):
        garbage[page * 4096 : page * 4096 + 16] = struct.pack("<QHHI", page, 0x02, 0xFFFF, 0)
    with pytest.raises(BoltError):
        locate(open_file(bytes(garbage)), [b"ctr"], b"x")
