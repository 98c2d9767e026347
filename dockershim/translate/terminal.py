"""podman's terminal output, as lines: its progress bars (containers/image draws them with mpb
only when stderr is a terminal, which is the only place podman reports byte counts) redraw in
place with cursor movements. Pure: bytes in, lines and numbers out.

A frame looks like `ESC[3A ESC[J` (up three lines, clear) and then one line per blob:
`Copying blob 74bd0fafae43 [=====>----] 7.0MiB / 11.4MiB`, `... done`,
`... skipped: already exists` or `... .` (not started).
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BREAK = re.compile(r"\r\n|\r|\n")
_COUNTS = re.compile(
    r"\]\s*(?P<cur>\d+(?:\.\d+)?)\s*(?P<cur_unit>[KMGT]iB|b|B)"
    r"\s*/\s*(?P<tot>\d+(?:\.\d+)?)\s*(?P<tot_unit>[KMGT]iB|b|B)\s*$"
)
_SCALE = {"b": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


class TerminalLines:
    """Feed decoded chunks; get complete lines back, escape sequences removed."""

    def __init__(self) -> None:
        self._rest = ""

    def feed(self, text: str) -> list[str]:
        parts = _BREAK.split(self._rest + text)
        self._rest = parts.pop()  # unfinished line (or escape sequence): wait for more
        return [line for line in (_clean(p) for p in parts) if line]

    def flush(self) -> list[str]:
        line, self._rest = _clean(self._rest), ""
        return [line] if line else []


def _clean(line: str) -> str:
    return _ANSI.sub("", line).strip()


def byte_counts(rest: str) -> tuple[int, int] | None:
    """(current, total) bytes from a bar's counters, `[==>--] 7.0MiB / 11.4MiB`; None when the
    text holds no counters. mpb rounds to 0.1 of the unit: totals from a manifest are exact."""
    match = _COUNTS.search(rest)
    if not match:
        return None
    current = int(float(match["cur"]) * _SCALE[match["cur_unit"]])
    total = int(float(match["tot"]) * _SCALE[match["tot_unit"]])
    return current, total
