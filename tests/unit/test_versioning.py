from __future__ import annotations

from dockershim.api.versioning import parse_version, version_error
from dockershim.translate.filters import label_matches, parse_filters


def test_version_limits() -> None:
    assert version_error("1.24") is None
    assert version_error("1.41") is None
    assert version_error("1.45") is None
    assert "too new" in (version_error("1.46") or "")
    assert "too old" in (version_error("1.23") or "")
    assert parse_version("1.9") < parse_version("1.10")


def test_filters_both_forms() -> None:
    assert parse_filters('{"label": ["a=b", "c"]}') == {"label": ["a=b", "c"]}
    assert parse_filters('{"status": {"running": true, "exited": false}}') == {
        "status": ["running"]
    }
    assert parse_filters(None) == {}


def test_label_match() -> None:
    assert label_matches({"a": "b"}, "a")
    assert label_matches({"a": "b"}, "a=b")
    assert not label_matches({"a": "b"}, "a=c")
    assert not label_matches(None, "a")
