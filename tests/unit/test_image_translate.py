from __future__ import annotations

from dockershim.translate import images
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
    out = images.history(entries, {top: ["fx-labelled:v1"]})
    assert out[0]["Id"] == f"sha256:{top}" and out[0]["Tags"] == ["fx-labelled:v1"]
    assert out[1]["Id"] == "<missing>" and out[1]["Tags"] is None
    assert out[-1]["Size"] == 2129920 and out[-1]["Created"] > 0
    assert out[0]["CreatedBy"].endswith('CMD ["echo hi"]')
