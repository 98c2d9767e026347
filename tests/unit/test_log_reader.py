"""A container's log as the engine hands it to the route (engine/logs.py LogReader): the same
(stream, line) batches from a `podman logs` child as from the log file, timestamps in Docker's
form, long lines in pieces, and whatever it reads closed however the answer ends, also when
the client left before the body began."""

from __future__ import annotations

import asyncio
from typing import Any

from dockershim.engine.logs import LogReader
from dockershim.streams.framing import STDERR, STDOUT


class _Process:
    def __init__(self, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.stdout, self.stderr = stdout, stderr


class _Child:
    def __init__(self, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.process = _Process(stdout, stderr)
        self.closed = 0

    async def close(self) -> None:
        self.closed += 1


def _pipe(data: bytes, *, end: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if end:
        reader.feed_eof()
    return reader


def _reader(child: _Child, *, timestamps: bool = False) -> LogReader:
    fake: Any = child
    return LogReader(fake, {"Id": "c1", "Config": {"Tty": False}}, None, timestamps)


async def _all(reader: LogReader) -> list[tuple[int, bytes]]:
    return [item async for batch in reader.batches() for item in batch]


async def test_both_streams_line_by_line_then_the_child_is_closed() -> None:
    child = _Child(_pipe(b"one\ntwo\nlast"), _pipe(b"oops\n"))
    got = await _all(_reader(child))
    assert [line for which, line in got if which == STDOUT] == [b"one\n", b"two\n", b"last"]
    assert [line for which, line in got if which == STDERR] == [b"oops\n"]
    assert child.closed


async def test_timestamps_in_dockers_form() -> None:
    podman_line = b"2026-12-07T05:00:00.123456789+00:00 hello\n"
    child = _Child(_pipe(podman_line), _pipe(b""))
    got = await _all(_reader(child, timestamps=True))
    assert got == [(STDOUT, b"2026-12-07T05:00:00.123456789Z hello\n")]


async def test_a_long_line_comes_in_pieces_and_whole_again() -> None:
    long = b"x" * 200_000
    child = _Child(_pipe(long + b"\nafter\n"), _pipe(b""))
    got = await _all(_reader(child))
    assert b"".join(line for _, line in got) == long + b"\nafter\n"
    assert max(len(line) for _, line in got) <= 1 << 16
    assert got[-1] == (STDOUT, b"after\n")


async def test_leaving_early_ends_the_reading_and_closes_the_child() -> None:
    child = _Child(_pipe(b"first\n", end=False), _pipe(b"", end=False))  # a `logs -f`
    batches = _reader(child).batches()
    assert await anext(batches) == [(STDOUT, b"first\n")]
    await asyncio.wait_for(batches.aclose(), 5)
    assert child.closed


async def test_close_without_a_read_closes_the_child() -> None:
    child = _Child(_pipe(b"", end=False), _pipe(b"", end=False))
    await _reader(child).close()  # the client left before the body began
    assert child.closed
