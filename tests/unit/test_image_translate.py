from __future__ import annotations

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate import images
from dockershim.translate.container_logs import parse_timestamp
from tests.fakes import fixture_json


def test_summary_shape_and_familiar_names() -> None:
    items = fixture_json("images.json")
    built, dangling, busybox = (images.summary(i) for i in items)
    assert built["RepoTags"] == ["fx-labelled:v1"]
    assert built["Id"].startswith("sha256:f59bfb43")
    assert built["ParentId"].startswith("sha256:1a745255")
    assert built["Labels"]["com.example"] == "yes"
    assert isinstance(built["Created"], int) and built["Created"] == 1795924486
    assert busybox["RepoTags"] == ["busybox:latest"]
    assert busybox["RepoDigests"][0].startswith("busybox@sha256:")
    assert busybox["ParentId"] == "" and busybox["Labels"] == {}
    assert dangling["RepoTags"] == [] and "VirtualSize" not in dangling
    old = images.summary(items[1], api_version=(1, 41))
    assert old["RepoTags"] == ["<none>:<none>"] and old["VirtualSize"] == 2137212


def test_filters_dangling_label_reference_before_since() -> None:
    items = fixture_json("images.json")

    def ids(filters: dict[str, list[str]], anchors: dict[str, int] | None = None) -> list[str]:
        return [i["Id"][:6] for i in images.apply_filters(items, filters, anchors or {})]

    assert ids({"dangling": ["true"]}) == ["6f8b6a"]
    assert ids({"dangling": ["false"]}) == ["f59bfb", "183065"]
    assert ids({"label": ["com.example=yes"]}) == ["f59bfb"]
    assert ids({"label": ["com.example=no"]}) == []
    assert ids({"reference": ["busybox"]}) == ["183065"]
    assert ids({"reference": ["fx-*:v1"]}) == ["f59bfb"]
    assert ids({"before": ["x"]}, {"x": 1795924486}) == ["6f8b6a", "183065"]
    assert ids({"since": ["x"]}, {"x": 1795924455}) == ["f59bfb"]


def test_inspect_moves_healthcheck_into_config() -> None:
    data = fixture_json("image-inspect-built.json")[0]
    out = images.inspect(data)
    assert out["Id"].startswith("sha256:") and out["RepoTags"] == ["fx-labelled:v1"]
    assert out["Config"]["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 5000000000}
    assert out["Config"]["Entrypoint"] == ["sh", "-c"] and out["Config"]["Cmd"] == ["echo hi"]
    assert out["Config"]["ExposedPorts"] == {"80/tcp": {}}
    assert out["Config"]["Env"][-1] == "A=1"
    assert out["RootFS"]["Type"] == "layers" and out["Os"] == "linux"
    assert out["Created"].startswith("2026-11-29T03:54:46")
    assert "VirtualSize" not in out
    assert "ContainerConfig" in images.inspect(data, api_version=(1, 41))


def test_history_marks_missing_layers_and_tags_the_top() -> None:
    entries = fixture_json("history.json")
    top = entries[0]["id"]
    out = images.history(images.layers_from_cli(entries), {top: ["fx-labelled:v1"]})
    assert out[0]["Id"] == f"sha256:{top}" and out[0]["Tags"] == ["fx-labelled:v1"]
    assert out[1]["Id"] == "<missing>" and out[1]["Tags"] is None
    assert out[-1]["Size"] == 2129920 and out[-1]["Created"] > 0
    assert out[0]["CreatedBy"].endswith('CMD ["echo hi"]')


def test_history_reads_alike_from_the_cli_and_the_service() -> None:
    """libpod's HistoryResponse (unix Created, capitalised keys, empty fields kept) is the
    same history as the CLI's JSON (RFC 3339 created, empty fields left out)."""
    entries = fixture_json("history.json")
    answer = [
        {
            "Id": e["id"],
            "Created": images.layers_from_cli([e])[0].created,
            "CreatedBy": e.get("CreatedBy", ""),
            "Tags": e.get("tags"),
            "Size": e["size"],
            "Comment": e.get("comment", ""),
        }
        for e in entries
    ]
    assert images.layers_from_api(answer) == images.layers_from_cli(entries)
    assert images.layers_from_cli([{"id": "<missing>", "size": 0}]) == [
        images.HistoryLayer("<missing>", 0, "", 0, "")
    ]
    assert images.layers_from_api(["junk", {"Id": "a", "Size": 3}])[0].size == 3


def test_reference_filter_keeps_only_matching_tags() -> None:
    entry = {"RepoTags": ["busybox:latest", "team/x:v2"]}
    assert images.only_matching_tags(entry, ["team/x"])["RepoTags"] == ["team/x:v2"]


def test_reference_globs_do_not_cross_slashes() -> None:
    items = [
        {"Id": "a", "Names": ["docker.io/team/app:v1"]},
        {"Id": "b", "Names": ["docker.io/library/app:v1"]},
    ]
    assert [i["Id"] for i in images.apply_filters(items, {"reference": ["*"]}, {})] == ["b"]
    assert [i["Id"] for i in images.apply_filters(items, {"reference": ["*/*"]}, {})] == ["a"]
    assert [i["Id"] for i in images.apply_filters(items, {"reference": ["app:v?"]}, {})] == ["b"]


def test_until_accepts_timestamps_durations_and_dates() -> None:
    # image lists read `until` as every other Docker time value (container_logs.parse_timestamp)
    assert parse_timestamp("1700000000", "until", now=0) == 1700000000
    assert parse_timestamp("1h30m", "until", now=10_000) == 10_000 - 5400
    assert parse_timestamp("2023-11-14T22:13:20Z", "until", now=0) == 1700000000
    items = fixture_json("images.json")
    kept = images.apply_filters(items, {"until": ["x"]}, {"x": 1795924460})
    assert [i["Id"][:6] for i in kept] == ["6f8b6a", "183065"]
    with pytest.raises(InvalidParameter):
        parse_timestamp("yesterday", "until", now=0)
