"""Logs query translation and Docker timestamp forms."""

from __future__ import annotations

import pytest

from dockershim.engine.health import health_due
from dockershim.errors import InvalidParameter
from dockershim.translate.container_logs import (
    docker_timestamp_line,
    logs_argv,
    parse_timestamp,
    timestamp_ns,
)
from tests.fakes import fixture_json


def test_logs_argv() -> None:
    args = logs_argv("abc", follow=True, tail="5", since=1_500_000_000, until=0, timestamps=True)
    assert args == [
        "logs", "--follow", "--tail", "5", "--since", "1970-01-01T00:00:01.499999999Z",
        "--timestamps", "--", "abc",
    ]  # fmt: skip
    assert logs_argv("abc", follow=False, tail="all", since=0, until=0, timestamps=False) == [
        "logs",
        "--",
        "abc",
    ]
    with pytest.raises(InvalidParameter):
        logs_argv("abc", follow=False, tail="x", since=0, until=0, timestamps=False)


def test_timestamp_ns_keeps_nanoseconds() -> None:
    assert timestamp_ns("1795925139.222480698", "since", now=0) == 1795925139222480698
    assert timestamp_ns("2026-11-29T04:05:39.222480698Z", "since", now=0) == 1795925139222480698
    assert timestamp_ns("2026-11-29T06:05:39.5+02:00", "since", now=0) == 1795925139500000000
    assert timestamp_ns("10s", "since", now=100) == 90 * 10**9


def test_parse_timestamp() -> None:
    assert parse_timestamp("1700000000", "since", now=0) == 1700000000
    assert parse_timestamp("1700000000.5", "since", now=0) == 1700000000.5
    assert parse_timestamp("10m", "since", now=1000) == 400
    assert parse_timestamp("2026-01-01T00:00:00Z", "since", now=0) == 1767225600
    with pytest.raises(InvalidParameter):
        parse_timestamp("yesterday", "since", now=0)


def test_timestamp_lines_are_utc_z() -> None:
    line = b"2026-11-29T03:53:48.081081121+00:00 hello\n"
    assert docker_timestamp_line(line) == b"2026-11-29T03:53:48.081081121Z hello\n"
    line = b"2026-11-29T05:53:48.5+02:00 hi\n"
    assert docker_timestamp_line(line) == b"2026-11-29T03:53:48.5Z hi\n"
    assert docker_timestamp_line(b"no stamp\n") == b"no stamp\n"


def test_health_due() -> None:
    shim = fixture_json("container_inspect_shim.json")[0]
    last = 1795924809.4  # around the captured check's end (2026-11-29T04:00:09Z)
    assert not health_due(shim, last + 1)  # interval 5s not over
    assert health_due(shim, last + 10)
    created = fixture_json("container_inspect_created.json")[0]
    assert not health_due(created, last)  # not running
    running = fixture_json("container_inspect_running.json")[0]
    assert not health_due(running, last)  # no healthcheck
