"""Attach translation: facts from real podman 4.3.1 inspect output, argv, content types."""

from __future__ import annotations

import pytest

from dockershim.translate.attach import (
    attach_argv,
    container_facts,
    start_attached_argv,
    start_events_argv,
    stream_content_type,
)
from dockershim.translate.container_logs import logs_argv
from tests.fakes import fixture_json


@pytest.mark.parametrize(
    ("fixture", "status", "tty", "open_stdin", "running"),
    [
        ("container_inspect_created.json", "created", False, False, False),
        ("container_inspect_running.json", "running", False, False, True),
        ("container_inspect_tty.json", "running", True, False, True),
        ("container_inspect_exited.json", "exited", False, False, False),
        ("container_inspect_initialized_it.json", "initialized", True, True, False),
    ],
)
def test_facts(fixture: str, status: str, tty: bool, open_stdin: bool, running: bool) -> None:
    facts = container_facts(fixture_json(fixture))
    assert len(facts.id) == 64
    assert (facts.status, facts.tty, facts.open_stdin, facts.running) == (
        status,
        tty,
        open_stdin,
        running,
    )


def test_argv() -> None:
    assert attach_argv("abc", stdin=False) == [
        "attach",
        "--sig-proxy=false",
        "--detach-keys=",
        "--no-stdin",
        "--",
        "abc",
    ]
    assert "--no-stdin" not in attach_argv("abc", stdin=True)
    assert start_attached_argv("abc", stdin=True) == [
        "start",
        "--attach",
        "--sig-proxy=false",
        "--detach-keys=",
        "--interactive",
        "--",
        "abc",
    ]
    assert "--interactive" not in start_attached_argv("abc", stdin=False)
    assert logs_argv("abc") == ["logs", "--", "abc"]  # attach's `logs=1`: the whole log
    assert logs_argv("abc", follow=True) == ["logs", "--follow", "--", "abc"]
    events = start_events_argv("abc", 1700000000.5)
    assert events[:3] == ["events", "--since", "1700000000.500"]
    assert "container=abc" in events
    assert "event=start" in events


def test_content_type() -> None:
    assert stream_content_type(False, (1, 45)) == "application/vnd.docker.multiplexed-stream"
    assert stream_content_type(False, (1, 42)) == "application/vnd.docker.multiplexed-stream"
    assert stream_content_type(False, (1, 41)) == "application/vnd.docker.raw-stream"
    assert stream_content_type(True, (1, 45)) == "application/vnd.docker.raw-stream"
