"""conmon's k8s-file log format (pure): one record per line,

    2026-12-03T21:08:44.076066366+00:00 stdout F text of the line
    2026-12-03T21:08:44.076172274+00:00 stdout P a part (no newline was written yet)

F ends a line, P is a part of one (the container wrote no newline yet). `podman logs` prints
a record as its text, a newline after an F, the timestamp before it with `--timestamps`;
`render` gives the same bytes, so the log route treats both sources alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockershim.streams.framing import STDERR, STDOUT
from dockershim.translate.container_status import parse_time

_STREAMS = {b"stdout": STDOUT, b"stderr": STDERR}


@dataclass(frozen=True)
class Record:
    stamp: bytes  # as conmon wrote it
    time_ns: int
    stream: int  # STDOUT or STDERR
    full: bool  # F: the line ends here
    text: bytes


def parse(data: bytes) -> tuple[list[Record], int]:
    """The records of the complete lines in `data`, and how many bytes they took; a line
    that is not a record (a torn write, another format) is skipped."""
    records: list[Record] = []
    end = data.rfind(b"\n") + 1
    for line in data[:end].split(b"\n")[:-1]:
        parts = line.split(b" ", 3)
        if len(parts) < 3 or parts[1] not in _STREAMS or parts[2] not in (b"F", b"P"):
            continue
        time_ns = _nanoseconds(parts[0])
        if time_ns is None:
            continue
        records.append(
            Record(
                stamp=parts[0],
                time_ns=time_ns,
                stream=_STREAMS[parts[1]],
                full=parts[2] == b"F",
                text=parts[3] if len(parts) == 4 else b"",
            )
        )
    return records, end


def render(record: Record, *, timestamps: bool) -> bytes:
    """The record as `podman logs` prints it."""
    text = record.text + b"\n" if record.full else record.text
    return record.stamp + b" " + text if timestamps else text


def _nanoseconds(stamp: bytes) -> int | None:
    """The stamp in nanoseconds, exactly (a float of seconds cannot hold them all)."""
    text = stamp.decode("ascii", "replace")
    whole, dot, rest = text.partition(".")
    digits = ""
    if dot:
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        whole += rest[len(digits) :]  # the zone
    seconds = parse_time(whole)
    if seconds is None:
        return None
    return round(seconds) * 1_000_000_000 + int(digits[:9].ljust(9, "0") or "0")
