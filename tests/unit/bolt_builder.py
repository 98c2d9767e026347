"""Build small bbolt files for the reader's tests (bbolt format version 2, little-endian).

Trees are dicts: bytes values are plain values, dicts are nested buckets (an `Inline` dict is
stored inline in its parent's leaf, as bbolt does for small buckets). `leaf_max` splits leaves
so that branch pages appear. Two metas are written: `roots` gives one root per transaction, the
last one is the live one (higher txid).
"""

from __future__ import annotations

import struct
from typing import Union

from dockershim.podman.boltstate import MAGIC, VERSION, fnv1a64

Tree = dict[bytes, Union[bytes, "Tree"]]


class Inline(dict):  # type: ignore[type-arg]
    """A bucket stored inline in its parent's leaf element."""


class Builder:
    def __init__(self, page_size: int = 4096, leaf_max: int = 1000) -> None:
        self.page_size = page_size
        self.leaf_max = leaf_max
        self.pages: dict[int, bytes] = {}
        self.next_id = 3  # 0, 1: metas; 2: freelist

    def _page(self, body: bytes, flags: int, count: int) -> int:
        pgid = self.next_id
        total = 16 + len(body)
        npages = -(-total // self.page_size)
        header = struct.pack("<QHHI", pgid, flags, count, npages - 1)
        self.pages[pgid] = (header + body).ljust(npages * self.page_size, b"\0")
        self.next_id += npages
        return pgid

    def _value(self, value: bytes | Tree) -> tuple[int, bytes]:
        if isinstance(value, Inline):
            return 1, struct.pack("<QQ", 0, 0) + leaf_bytes(self._items(value))
        if isinstance(value, dict):
            return 1, struct.pack("<QQ", self.bucket(value), 0)
        return 0, value

    def _items(self, tree: Tree) -> list[tuple[int, bytes, bytes]]:
        return [(*self._value(v), k) for k, v in sorted(tree.items())]  # type: ignore[misc]

    def bucket(self, tree: Tree) -> int:
        """Write a bucket's pages; its root pgid."""
        items = self._items(tree)
        chunks = [items[i : i + self.leaf_max] for i in range(0, len(items), self.leaf_max)]
        leaves = [(chunk[0][2], self._leaf(chunk)) for chunk in chunks or [[]]]
        if len(leaves) == 1:
            return leaves[0][1]
        body = b""
        data = b""
        for index, (key, pgid) in enumerate(leaves):
            pos = (len(leaves) - index) * 16 + len(data)
            body += struct.pack("<IIQ", pos, len(key), pgid)
            data += key
        return self._page(body + data, 0x01, len(leaves))

    def _leaf(self, items: list[tuple[int, bytes, bytes]]) -> int:
        raw = leaf_bytes(items)
        return self._page(raw[16:], 0x02, len(items))

    def file(self, roots: list[int], corrupt_live: bool = False, txid: int = 11) -> bytes:
        """The file bytes; `txid` is the live meta's (bbolt raises it on every commit)."""
        live = txid
        high = self.next_id
        out = bytearray(high * self.page_size)
        for pgid, raw in self.pages.items():
            out[pgid * self.page_size : pgid * self.page_size + len(raw)] = raw
        freelist = struct.pack("<QHHI", 2, 0x10, 0, 0)
        out[2 * self.page_size : 2 * self.page_size + 16] = freelist
        pair = (roots * 2)[-2:]  # (older, live)
        for txid, root in ((live - 1, pair[0]), (live, pair[1])):
            meta = struct.pack(
                "<IIIIQQQQQ", MAGIC, VERSION, self.page_size, 0, root, 0, 2, high, txid
            )
            checksum = fnv1a64(meta)
            if corrupt_live and txid == live:
                checksum ^= 1
            page = struct.pack("<QHHI", txid % 2, 0x04, 0, 0) + meta + struct.pack("<Q", checksum)
            at = (txid % 2) * self.page_size
            out[at : at + len(page)] = page
        return bytes(out)


def leaf_bytes(items: list[tuple[int, bytes, bytes]]) -> bytes:
    """A leaf page (header with id 0) holding (flags, value, key) elements."""
    elements = b""
    data = b""
    for index, (flags, value, key) in enumerate(items):
        pos = (len(items) - index) * 16 + len(data)
        elements += struct.pack("<IIII", flags, pos, len(key), len(value))
        data += key + value
    return struct.pack("<QHHI", 0, 0x02, len(items), 0) + elements + data
