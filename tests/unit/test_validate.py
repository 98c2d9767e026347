"""Input checks: ASCII numbers, JSON nesting, NUL bytes; the 500 that names no internals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from dockershim.api.app import create_app
from dockershim.errors import InvalidParameter
from dockershim.translate import validate
from dockershim.translate.attach import parse_detach_keys
from dockershim.translate.container_logs import parse_timestamp, rfc3339, timestamp_ns
from tests.fakes import FakePodman


@pytest.mark.parametrize(("text", "ok"), [("12", True), ("²", False), ("٣", False), ("", False)])
def test_digits_are_ascii(text: str, ok: bool) -> None:
    assert validate.digits(text) is ok


def test_json_depth() -> None:
    assert validate.json_depth_ok('{"a": [[1]], "s": "[[[[["}', limit=3)
    assert not validate.json_depth_ok("[" * 4 + "]" * 4, limit=3)
    with pytest.raises(InvalidParameter, match="nested deeper"):
        validate.loads("[" * 1500 + "]" * 1500, "filters")


def test_nul_anywhere_in_json() -> None:
    assert validate.has_nul({"a": [{"b\x00": 1}]})
    assert not validate.has_nul({"a": ["b", 1, None]})


@pytest.mark.parametrize("value", ["2024-13-01T00:00:00Z", "1e400", "٣"])
def test_bad_timestamps_are_refused(value: str) -> None:
    with pytest.raises(InvalidParameter):
        timestamp_ns(value, "since", now=0)


def test_far_timestamps_are_clamped() -> None:
    assert rfc3339(timestamp_ns("99999999999999", "since", now=0)).startswith("9999-12-31")
    with pytest.raises(InvalidParameter):
        parse_timestamp("9" * 400, "until", now=0)


def test_non_ascii_detach_key() -> None:
    with pytest.raises(InvalidParameter, match="Invalid detach keys"):
        parse_detach_keys("€")


async def test_unexpected_errors_keep_their_text_in_the_log(tmp_path: Any) -> None:
    class Broken(FakePodman):
        async def run(self, args: Sequence[str], **_: Any) -> Any:
            raise RuntimeError("/tmp/build-secret/path exploded")

    app = create_app(Broken(), state_dir=str(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://d"
    ) as client:
        reply = await client.get("/containers/json")
    assert reply.status_code == 500
    assert "/tmp" not in reply.text and "RuntimeError" not in reply.text
    assert "internal error" in reply.json()["message"]
