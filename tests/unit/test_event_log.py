"""podman's event log read as its own reader reads it (engine/events.py): whole lines from the
second `since` falls in; a line still being written is left for later; a file too big for the
reader here, or missing, is left to podman (None)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest

from dockershim.engine import events
from dockershim.engine.events import read_event_log
from tests.fakes import FakePodman

SECOND = 1_700_000_000


def _line(seconds: int, nanos: int, name: str, zone: str = "Z") -> bytes:
    stamp = f"2023-11-14T22:{(seconds - SECOND) // 60 + 13:02d}:{(seconds - SECOND) % 60 + 20:02d}"
    event = {"ID": "c" * 64, "Name": name, "Status": "start", "Type": "container"}
    event["Time"] = f"{stamp}.{nanos:09d}{zone}"
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


def test_the_lines_from_the_second_of_since(tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    early, same_second, later = (
        _line(SECOND, 5, "a"),
        _line(SECOND + 2, 1, "b"),
        _line(SECOND + 3, 7, "c"),
    )
    log.write_bytes(early + later + same_second + b'{"ID":"partial","Time":"2023')
    since = (SECOND + 2) * 1_000_000_000 + 500  # within b's second, after b itself
    # not in time order (podman's writers race): each line is looked at; the caller filters
    # exactly, so b (same second) is kept; the unfinished last line is not
    assert read_event_log(str(log), since) == [later, same_second]
    assert read_event_log(str(log), None) == [early, later, same_second]
    # the writer's zone counts: 22:13:23+01:00 is an hour before 22:13:22Z
    zoned = _line(SECOND + 3, 7, "d", "+01:00")
    log.write_bytes(later + zoned)
    assert read_event_log(str(log), since) == [later]


def test_a_file_podman_reads_better(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_event_log(str(tmp_path / "missing.log"), None) is None
    log = tmp_path / "events.log"
    log.write_bytes(_line(SECOND, 0, "a") * 10)
    assert read_event_log(str(log), None) is not None
    monkeypatch.setattr(events, "_LOG_FILE_MAX", 100)
    assert read_event_log(str(log), None) is None


def test_a_line_no_caller_can_use_is_passed_over(tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    huge = _line(SECOND, 0, "x" * (70 << 10))
    log.write_bytes(huge + _line(SECOND, 1, "ok"))
    assert read_event_log(str(log), None) == [_line(SECOND, 1, "ok")]


@pytest.mark.asyncio
async def test_without_a_readable_file_podman_tells_the_past(tmp_path: Path) -> None:
    """journald (no file), or a file not read here: the history is a `podman events` child's."""
    log = tmp_path / "events.log"
    log.write_bytes(_line(SECOND, 0, "from-file"))
    told: list[int | None] = []

    async def child_lines(since_ns: int | None) -> AsyncGenerator[bytes, None]:
        told.append(since_ns)
        yield b"from-podman\n"

    for path, expected in (
        (None, b"from-podman\n"),
        (str(tmp_path / "gone.log"), b"from-podman\n"),
        (str(log), _line(SECOND, 0, "from-file")),
    ):

        async def log_file(path: str | None = path) -> str | None:
            return path

        reader = events.Events(FakePodman(), None, log_file)  # type: ignore[arg-type]
        reader._child_lines = child_lines  # type: ignore[method-assign]
        assert [line async for line in reader.history(5)] == [expected]
    assert told == [5, 5]
