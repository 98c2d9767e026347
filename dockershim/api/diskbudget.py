"""How much a client's upload may take of the disk it lands on, and copies held to that.

Uploads (image archives, build contexts) are streamed to a temporary file, never held in
memory; what they decompress or unpack to is capped by the free space of that file system
less a reserve, so a small bomb (a 571 KiB gzip of 128 MiB, or far more) cannot fill the
user's disk. Refused with 413 and Docker's error shape.
"""

from __future__ import annotations

import os
import shutil
from typing import BinaryIO

from dockershim.errors import TooLarge

RESERVE_FRACTION = 0.05  # of the file system, kept free for everything else
MIN_RESERVE = 256 << 20
_CHUNK = 1 << 20


def budget(directory: str) -> int:
    """Bytes an upload may still write under `directory`."""
    usage = shutil.disk_usage(directory)
    reserve = max(MIN_RESERVE, int(usage.total * RESERVE_FRACTION))
    return max(0, usage.free - reserve)


def too_large(what: str) -> TooLarge:
    return TooLarge(f"{what} is larger than the free disk space allows")


def copy_capped(src: BinaryIO, dst: BinaryIO, limit: int, what: str) -> int:
    """Copy until EOF; TooLarge once more than `limit` bytes came."""
    total = 0
    while chunk := src.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(what)
        dst.write(chunk)
    return total


def check(written: int, limit: int, what: str) -> None:
    if written > limit:
        raise too_large(what)


def directory_of(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))
