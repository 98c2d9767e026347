"""Detach keys: the key sequence on stdin that ends an attach/exec stream without stopping it.

The keys come parsed (translate.attach.parse_detach_keys); b"" disables detaching. Bytes that
might start the sequence are held back until it either completes (they are dropped and the
stream detaches) or breaks (they are passed on).
"""

from __future__ import annotations


class DetachScanner:
    """Feed client input; get back what to forward and whether the sequence was typed."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self._held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        if not self.keys:
            return data, False
        out = bytearray()
        held = self._held
        first = self.keys[:1]
        pos = 0
        while pos < len(data):
            if not held:  # fast path: skip to the next byte that could start the sequence
                found = data.find(first, pos)
                if found < 0:
                    out += data[pos:]
                    break
                out += data[pos:found]
                pos = found
            byte = data[pos : pos + 1]
            pos += 1
            if self.keys.startswith(held + byte):
                held += byte
                if held == self.keys:
                    self._held = b""
                    return bytes(out), True
                continue
            # the partial match broke: pass it on, then look at this byte afresh
            out += held
            held = b""
            if byte == first:
                held = byte
            else:
                out += byte
        self._held = held
        return bytes(out), False

    def flush(self) -> bytes:
        """What is still held back (at the end of the input)."""
        held, self._held = self._held, b""
        return held
