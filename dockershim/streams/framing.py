"""Docker's multiplexed stream: an 8-byte header `[stream, 0, 0, 0, size (uint32 BE)]` then
`size` bytes; stream 0 = stdin, 1 = stdout, 2 = stderr. Used when there is no TTY."""

from __future__ import annotations

import struct

STDIN, STDOUT, STDERR = 0, 1, 2
_HEADER = struct.Struct(">BxxxL")
MAX_FRAME = 1 << 20


def frame(stream: int, data: bytes) -> bytes:
    """One or more frames carrying `data` (split so no frame exceeds MAX_FRAME)."""
    if len(data) <= MAX_FRAME:
        return _HEADER.pack(stream, len(data)) + data
    parts = []
    for start in range(0, len(data), MAX_FRAME):
        chunk = data[start : start + MAX_FRAME]
        parts.append(_HEADER.pack(stream, len(chunk)) + chunk)
    return b"".join(parts)


def parse_frames(buffer: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Split complete frames off `buffer`; returns them and the incomplete rest."""
    frames = []
    offset = 0
    while len(buffer) - offset >= _HEADER.size:
        stream, size = _HEADER.unpack_from(buffer, offset)
        end = offset + _HEADER.size + size
        if end > len(buffer):
            break
        frames.append((stream, buffer[offset + _HEADER.size : end]))
        offset = end
    return frames, buffer[offset:]
