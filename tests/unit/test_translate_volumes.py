"""Pure volume and prune-filter translation, against captured podman 4.3.1 output."""

from __future__ import annotations

import datetime

import pytest

from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate import volumes as tv
from dockershim.translate.prune import parse_until, prune_label_matches, until_matches
from tests.fakes import fixture_json


def test_volume_shape_and_anonymous_label() -> None:
    vols = [tv.volume_to_docker(v) for v in fixture_json("volume-ls.json")]
    named = next(v for v in vols if v["Name"] == "capvol1")
    assert named["Labels"] == {"com.docker.compose.project": "p", "x": "y"}
    assert named["Driver"] == "local" and named["Scope"] == "local"
    assert named["Mountpoint"].endswith("/volumes/capvol1/_data")
    assert set(named) == {"CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"}
    anon = next(v for v in vols if v["Name"] != "capvol1")
    assert anon["Labels"] == {tv.ANONYMOUS_LABEL: ""}
    assert tv.is_anonymous(anon) and not tv.is_anonymous(named)


def test_create_argv() -> None:
    argv = tv.volume_create(
        {"Name": "v1", "Driver": "local", "DriverOpts": {"type": "tmpfs"}, "Labels": {"a": "b"}}
    ).argv()
    assert argv == ["volume", "create", "--opt", "type=tmpfs", "--label", "a=b", "--", "v1"]
    # no name: anonymous, as dockerd labels it
    anonymous = tv.volume_create({}).argv()
    assert anonymous == ["volume", "create", "--label", "com.docker.volume.anonymous="]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"Name": "-rf"}, InvalidParameter),
        ({"Name": "a/b"}, InvalidParameter),
        ({"Name": "x"}, InvalidParameter),
        ({"Driver": "nfs-plugin"}, NotFound),
        ({"Labels": {"a": 1}}, InvalidParameter),
    ],
)
def test_create_refusals(body: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        tv.volume_create(body)


def test_list_filters() -> None:
    vols = [tv.volume_to_docker(v) for v in fixture_json("volume-ls.json")]

    def names(filters: dict[str, list[str]], dangling: set[str] | None = None) -> set[str]:
        return {v["Name"] for v in vols if tv.volume_matches(v, filters, dangling or set())}

    assert names({"name": ["vol1"]}) == {"capvol1"}
    assert names({"label": ["x=y"]}) == {"capvol1"}
    assert names({"label": ["x=z"]}) == set()
    assert names({"driver": ["local"]}) == {v["Name"] for v in vols}
    assert names({"dangling": ["true"]}, {"capvol1"}) == {"capvol1"}
    with pytest.raises(InvalidParameter):
        names({"size": ["1"]})


def test_in_use_message() -> None:
    msg = tv.in_use_message(
        "capvol1",
        "volume capvol1 is being used by the following container(s): 4c43ad90: volume is being used",
    )
    assert msg == "remove capvol1: volume is in use - [4c43ad90]"


def test_prune_filters() -> None:
    assert prune_label_matches({"a": "b"}, {"label": ["a"]})
    assert not prune_label_matches({"a": "b"}, {"label!": ["a=b"]})
    assert prune_label_matches({}, {"label!": ["a"]})
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    assert parse_until("1h30m", now) == now - datetime.timedelta(minutes=90)
    assert until_matches("2025-12-31T00:00:00.123456789Z", {"until": ["1h"]}, now)
    assert not until_matches("2025-12-31T23:30:00Z", {"until": ["1h"]}, now)
    with pytest.raises(InvalidParameter):
        parse_until("yesterday", now)
