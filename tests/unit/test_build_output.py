"""A child's output as the engine reads it (engine/child.py, engine/builds.py): lines of any
length, read no further ahead than a few lines of what the client took, every line passed on,
and only a bounded tail kept to read a build's failure from (a build may print any amount; the
service held all of it, and a line past 64 KiB hung the build)."""

from __future__ import annotations

import asyncio
from typing import Any

from dockershim.engine import child as engine_child
from dockershim.engine.builds import Build
from dockershim.engine.child import read_tagged_lines

_FAILED = 'Error: error building at STEP "RUN exit 3": error while running runtime: exit status 3'


class _Process:
    def __init__(self, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.stdout, self.stderr, self.returncode = stdout, stderr, 1


class _Child:
    def __init__(self, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.process = _Process(stdout, stderr)

    async def wait(self) -> int:
        return 1


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def _build(stdout: bytes, stderr: bytes) -> Build:
    fake: Any = _Child(_reader(stdout), _reader(stderr))
    return Build(builds=None, child=fake, before=set())  # type: ignore[arg-type]


async def test_all_lines_pass_and_only_the_tail_is_kept() -> None:
    many = 200_000  # ~1.5 MB of output on each pipe, far past a tail's 64 KiB
    lines = b"".join(b"line %d\n" % n for n in range(many))
    build = _build(lines, lines + _FAILED.encode() + b"\n")
    seen = [line async for _, line in build.lines()]
    assert len(seen) == 2 * many + 1  # the client's stream got every line
    out, err = (list(tail.lines) for tail in build._tails)
    for kept in (out, err):
        assert len("\n".join(kept)) <= engine_child._TAIL_BYTES
        assert "line 0" not in kept
    assert out[-1] == "line 199999" and err[-1] == _FAILED  # whichever pipe was read first
    assert build.failure() == ("The command '/bin/sh -c exit 3' returned a non-zero code: 3", 3)


async def test_a_line_longer_than_the_tail_is_kept_alone() -> None:
    build = _build(b"", b"x" * 100_000 + b"\nError: no space left\n")
    assert [line async for _, line in build.lines()][-1] == "Error: no space left"
    assert build.failure() == ("no space left", 1)
    build = _build(b"", b"Error: first\n" + b"y" * 100_000 + b"\n")
    _ = [line async for _, line in build.lines()]
    assert list(build._tails[1].lines) == ["y" * 100_000]  # one line, however long


async def test_lines_of_any_length_and_an_unfinished_last_one() -> None:
    long = b"a" * 150_000  # past the reader's 64 KiB
    huge = b"b" * (engine_child._LINE_MAX * 2 + 10)
    fake: Any = _Child(_reader(long + b"\r\n" + huge + b"\nafter\nno newline"), _reader(b""))
    lines = [line async for _, line in read_tagged_lines(fake)]
    pieces = [engine_child._LINE_MAX, engine_child._LINE_MAX, 10]
    assert lines == [long.decode(), *("b" * n for n in pieces), "after", "no newline"]


async def test_a_reader_that_stops_stops_the_reading() -> None:
    stdout = _reader(b"".join(b"%d\n" % n for n in range(10_000)))
    fake: Any = _Child(stdout, _reader(b""))
    lines = read_tagged_lines(fake)
    assert await anext(lines) == (False, "0")
    for _ in range(20):
        await asyncio.sleep(0)  # the pump runs on while it can
    assert not stdout.at_eof()  # read ahead by a few lines only, not to the end
    await asyncio.wait_for(lines.aclose(), 5)  # and leaving early ends the pumps
