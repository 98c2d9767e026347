"""Detach keys: Docker's key format, and the scanner that finds the sequence in client input."""

from __future__ import annotations

import pytest

from dockershim.errors import InvalidParameter
from dockershim.streams.detach import DetachScanner
from dockershim.translate.attach import DEFAULT_DETACH_KEYS, parse_detach_keys


@pytest.mark.parametrize(
    ("spec", "keys"),
    [
        (DEFAULT_DETACH_KEYS, b"\x10\x11"),
        ("ctrl-a", b"\x01"),
        ("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", bytes([0, 27, 28, 29, 30, 31])),
        ("a,b", b"ab"),
        ("CTRL-X,e", b"\x18e"),
        ("", b""),
    ],
)
def test_parse(spec: str, keys: bytes) -> None:
    assert parse_detach_keys(spec) == keys


@pytest.mark.parametrize("spec", ["ctrl-", "ctrl-1", "ctrl-ab", "shift-a", "ab", "ctrl-p,,"])
def test_parse_refuses(spec: str) -> None:
    with pytest.raises(InvalidParameter, match="Invalid detach keys"):
        parse_detach_keys(spec)


def test_plain_input_passes_unchanged() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"hello world\n") == (b"hello world\n", False)


def test_sequence_detaches_and_is_not_forwarded() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"ls\r\x10\x11after") == (b"ls\r", True)


def test_sequence_split_across_reads() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"ab\x10") == (b"ab", False)
    assert scanner.feed(b"\x11") == (b"", True)


def test_broken_sequence_is_passed_on() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"\x10") == (b"", False)
    assert scanner.feed(b"x") == (b"\x10x", False)


def test_broken_sequence_restarting_at_the_same_byte() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"\x10\x10\x11") == (b"\x10", True)


def test_held_bytes_flushed_at_end_of_input() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"data\x10") == (b"data", False)
    assert scanner.flush() == b"\x10"
    assert scanner.flush() == b""


def test_empty_keys_disable_detaching() -> None:
    scanner = DetachScanner(b"")
    assert scanner.feed(b"\x10\x11") == (b"\x10\x11", False)


def test_three_key_sequence() -> None:
    scanner = DetachScanner(b"abc")
    assert scanner.feed(b"xxabxabc") == (b"xxabx", True)
