"""A minimal read-only BoltDB (bbolt) reader: where a live value lies, and what a bucket holds.

Podman 4.x keeps its state in a bbolt file (`<graphRoot>/libpod/bolt_state.db`). The restart
policy patch (engine/restart_policy.py) needs the file offset and length of one value, the
`config` key of a container's sub-bucket in the `ctr` bucket; the engine's state reads
(podman/libpod_state.py) list whole buckets. This module only reads.

bbolt's on-disk layout (go.etcd.io/bbolt page.go, bucket.go, db.go; format version 2):
- The file is a sequence of pages of `pageSize` bytes; page N starts at N * pageSize.
- Every page starts with a 16-byte header: id u64, flags u16, count u16, overflow u32
  (flags: 0x01 branch, 0x02 leaf, 0x04 meta, 0x10 freelist; a page with overflow k spans
  k + 1 contiguous pages).
- Pages 0 and 1 are meta pages; the meta follows the header: magic u32 (0xED0CDAED), version
  u32 (2), pageSize u32, flags u32, root bucket (root pgid u64, sequence u64), freelist pgid
  u64, high-water pgid u64, txid u64, checksum u64 = FNV-1a-64 of the 56 bytes before it. The
  live meta is the valid one with the higher txid (bbolt is copy-on-write: every other copy of
  a value in the file is stale).
- Branch page elements (16 bytes each): pos u32, ksize u32, child pgid u64; the key lies at the
  element's own address + pos.
- Leaf page elements (16 bytes each): flags u32, pos u32, ksize u32, vsize u32; key at the
  element's address + pos, value right after it. flags 0x01 marks a nested bucket, whose value
  is a bucket header (root pgid u64, sequence u64); root 0 means an inline bucket whose leaf
  page follows the header inside the value itself.
All integers are little-endian (the only byte order podman's architectures use here).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

MAGIC = 0xED0CDAED
VERSION = 2
_PAGE_HEADER = 16
_ELEMENT = 16
_BRANCH = 0x01
_LEAF = 0x02
_BUCKET_LEAF = 0x01
_META = struct.Struct("<IIIIQQQQQQ")  # magic..checksum: 64 bytes
_MAX_DEPTH = 64


class BoltError(Exception):
    """The file is not a bbolt database we can read, or the path is missing."""


@dataclass(frozen=True)
class Meta:
    page_size: int
    root: int
    txid: int


@dataclass(frozen=True)
class Entry:
    """One key of a bucket: a plain value, or (`bucket` set) a nested bucket."""

    key: bytes
    value: bytes
    bucket: Bucket | None


@dataclass(frozen=True)
class Bucket:
    """A bucket's tree: a root page, or (root 0) an inline leaf page kept in its parent."""

    root: int
    inline: bytes | None = None


@dataclass(frozen=True)
class ValueLocation:
    """Absolute file offset and length of a value's bytes."""

    offset: int
    length: int


def fnv1a64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def _parse_meta(raw: bytes) -> Meta | None:
    """The meta stored in one meta page (header included), or None when it is not valid."""
    if len(raw) < _PAGE_HEADER + _META.size:
        return None
    body = raw[_PAGE_HEADER : _PAGE_HEADER + _META.size]
    magic, version, page_size, _flags, root, _seq, _free, _pgid, txid, checksum = _META.unpack(body)
    if magic != MAGIC or version != VERSION or checksum != fnv1a64(body[:56]):
        return None
    if page_size < 512 or page_size & (page_size - 1):
        return None
    return Meta(page_size=page_size, root=root, txid=txid)


class BoltFile:
    """Reads pages of one open bbolt file through pread (no mmap, nothing cached)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.size = os.fstat(fd).st_size
        self.meta = self._live_meta()

    def _read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise BoltError("corrupt bbolt file: a page points outside the file")
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise BoltError("corrupt bbolt file: short read")
        return data

    def _live_meta(self) -> Meta:
        first = os.pread(self.fd, 4096, 0)
        meta0 = _parse_meta(first)
        sizes = [meta0.page_size] if meta0 else [4096, 8192, 16384, 65536]
        metas = [meta0, *(_parse_meta(os.pread(self.fd, 4096, size)) for size in sizes)]
        valid = [m for m in metas if m is not None]
        if not valid:
            raise BoltError("not a bbolt database (no valid meta page: bad magic or checksum)")
        return max(valid, key=lambda m: m.txid)

    def page(self, pgid: int) -> bytes:
        """The page's bytes, overflow pages included."""
        size = self.meta.page_size
        if pgid < 2:
            raise BoltError(f"corrupt bbolt file: a tree points to meta page {pgid}")
        header = self._read(pgid * size, _PAGE_HEADER)
        overflow = struct.unpack_from("<I", header, 12)[0]
        return self._read(pgid * size, (overflow + 1) * size)

    def lookup(self, path: list[bytes], key: bytes) -> ValueLocation | None:
        """Where the plain value `key` lies inside the nested buckets `path`; None if absent."""
        root: int = self.meta.root
        inline: tuple[bytes, int] | None = None  # (inline page bytes, their file offset)
        for depth, name in enumerate([*path, key]):
            is_last = depth == len(path)
            found = self._find(root, inline, name)
            if found is None:
                return None
            flags, value_offset, value_length = found
            if bool(flags & _BUCKET_LEAF) == is_last:
                return None  # a bucket where a value was expected, or the reverse
            if is_last:
                return ValueLocation(value_offset, value_length)
            header = self._read(value_offset, 16)
            root = struct.unpack_from("<Q", header, 0)[0]
            if root == 0:
                inline = (self._read(value_offset + 16, value_length - 16), value_offset + 16)
            else:
                inline = None
        return None

    def top_buckets(self) -> dict[bytes, Bucket]:
        """The root bucket's nested buckets by name, in one walk of the root."""
        return {e.key: e.bucket for e in self.entries(Bucket(self.meta.root)) if e.bucket}

    def entries(self, bucket: Bucket) -> list[Entry]:
        """Every key of one bucket, in key order."""
        if bucket.inline is not None:
            return leaf_entries(bucket.inline)
        out: list[Entry] = []
        self._collect(bucket.root, out, 0)
        return out

    def _collect(self, pgid: int, out: list[Entry], depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise BoltError("corrupt bbolt file: the tree is too deep")
        data = self.page(pgid)
        flags = struct.unpack_from("<H", data, 8)[0]
        if flags & _LEAF:
            out.extend(leaf_entries(data))
            return
        if not flags & _BRANCH:
            raise BoltError(f"corrupt bbolt file: page {pgid} is neither branch nor leaf")
        for index in range(_elements(data)):
            at = _PAGE_HEADER + index * _ELEMENT
            self._collect(struct.unpack_from("<Q", data, at + 8)[0], out, depth + 1)

    def _find(
        self, root: int, inline: tuple[bytes, int] | None, key: bytes
    ) -> tuple[int, int, int] | None:
        """(element flags, absolute value offset, value length) of `key` in one bucket's tree."""
        if inline is not None:
            data, base = inline
            return _leaf_search(data, base, key)
        pgid = root
        for _ in range(_MAX_DEPTH):
            data = self.page(pgid)
            flags = struct.unpack_from("<H", data, 8)[0]
            if flags & _LEAF:
                return _leaf_search(data, pgid * self.meta.page_size, key)
            if not flags & _BRANCH:
                raise BoltError(f"corrupt bbolt file: page {pgid} is neither branch nor leaf")
            pgid = _branch_child(data, key)
        raise BoltError("corrupt bbolt file: the tree is too deep")

    # bbolt never keeps a cycle; the depth bound turns a corrupt one into an error.


def _elements(data: bytes) -> int:
    count = struct.unpack_from("<H", data, 10)[0]
    if _PAGE_HEADER + count * _ELEMENT > len(data):
        raise BoltError("corrupt bbolt file: element count exceeds the page")
    return int(count)


def _slice(data: bytes, start: int, length: int) -> bytes:
    if start < 0 or start + length > len(data):
        raise BoltError("corrupt bbolt file: an element points outside its page")
    return data[start : start + length]


def _branch_child(data: bytes, key: bytes) -> int:
    """The child page whose range holds `key`: the last element whose key is <= it."""
    count = _elements(data)
    if count == 0:
        raise BoltError("corrupt bbolt file: empty branch page")
    child = None
    for index in range(count):
        at = _PAGE_HEADER + index * _ELEMENT
        pos, ksize, pgid = struct.unpack_from("<IIQ", data, at)
        if index > 0 and _slice(data, at + pos, ksize) > key:
            break
        child = pgid
    assert child is not None
    return int(child)


def _leaf_search(data: bytes, base: int, key: bytes) -> tuple[int, int, int] | None:
    if len(data) < _PAGE_HEADER:
        raise BoltError("corrupt bbolt file: truncated leaf page")
    if not struct.unpack_from("<H", data, 8)[0] & _LEAF:
        raise BoltError("corrupt bbolt file: expected a leaf page")
    for index in range(_elements(data)):
        at = _PAGE_HEADER + index * _ELEMENT
        flags, pos, ksize, vsize = struct.unpack_from("<IIII", data, at)
        if _slice(data, at + pos, ksize) == key:
            _slice(data, at + pos + ksize, vsize)  # bounds check
            return int(flags), base + at + pos + ksize, int(vsize)
    return None


def is_leaf(data: bytes) -> bool:
    """A page (or an inline bucket's bytes) that holds its entries itself."""
    return len(data) >= _PAGE_HEADER and bool(struct.unpack_from("<H", data, 8)[0] & _LEAF)


def leaf_entries(data: bytes) -> list[Entry]:
    """The entries of one leaf page, or of an inline bucket's bytes."""
    if not is_leaf(data):
        raise BoltError("corrupt bbolt file: expected a leaf page")
    out: list[Entry] = []
    for index in range(_elements(data)):
        at = _PAGE_HEADER + index * _ELEMENT
        flags, pos, ksize, vsize = struct.unpack_from("<IIII", data, at)
        key = _slice(data, at + pos, ksize)
        value = _slice(data, at + pos + ksize, vsize)
        nested = None
        if flags & _BUCKET_LEAF:
            if len(value) < 16:
                raise BoltError("corrupt bbolt file: short bucket header")
            root = struct.unpack_from("<Q", value, 0)[0]
            nested = Bucket(root, value[16:] if root == 0 else None)
        out.append(Entry(key, value, nested))
    return out


def locate(fd: int, path: list[bytes], key: bytes) -> ValueLocation | None:
    """Offset and length of the live value at bucket `path`, `key` in the open bbolt file."""
    return BoltFile(fd).lookup(path, key)
