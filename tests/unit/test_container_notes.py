"""dockershim's notes on containers: links removed and endpoints given at connect (pure parts,
and the store's file)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dockershim.engine import container_notes as store
from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate.container_notes import (
    MAX_ENDPOINT_BYTES,
    MAX_REMOVED_LINKS,
    ContainerNotes,
    apply_notes,
    connect_fields,
    link_path,
    live_links,
)


def test_link_path_splits_as_dockerd() -> None:
    assert link_path("web/db") == ("web", "db")
    assert link_path("/web/db") == ("web", "db")
    assert link_path("web") == ("", "web")  # the container itself: dockerd's default-name error
    with pytest.raises(NotFound, match="No such container: a/b/c"):
        link_path("a/b/c")
    with pytest.raises(NotFound):
        link_path("web/")


def test_live_links_leave_out_removed_ones() -> None:
    sent = ["db:my-db", "/cache", "bad:-x"]
    assert live_links(sent, None) == {"my-db": "db", "cache": "cache"}
    assert live_links(sent, ContainerNotes(removed_links=("my-db",))) == {"cache": "cache"}
    assert live_links(None, None) == {}


def _body() -> dict[str, Any]:
    return {
        "HostConfig": {"Links": ["/db:/web/my-db", "/cache:/web/cache"]},
        "NetworkSettings": {
            "Networks": {
                "net1": {
                    "IPAMConfig": {"IPv4Address": "10.1.0.9"},
                    "Links": None,
                    "Aliases": ["a"],
                },
                "net2": {"IPAMConfig": None, "Links": None, "DriverOpts": None},
            }
        },
    }


def test_apply_notes() -> None:
    body = _body()
    notes = ContainerNotes(
        removed_links=("my-db",),
        endpoints={
            "net2": {"IPAMConfig": {"LinkLocalIPs": ["169.254.0.7"]}, "DriverOpts": {"k": "v"}},
            "net1": {},  # reconnected without settings: the create-time ones no longer hold
            "gone": {"Links": ["x"]},  # not connected now: nothing to show
        },
    )
    apply_notes(body, notes)
    assert body["HostConfig"]["Links"] == ["/cache:/web/cache"]
    nets = body["NetworkSettings"]["Networks"]
    assert nets["net2"] == {
        "IPAMConfig": {"LinkLocalIPs": ["169.254.0.7"]},
        "Links": None,
        "DriverOpts": {"k": "v"},
    }
    assert nets["net1"] == {"IPAMConfig": None, "Links": None, "DriverOpts": None, "Aliases": ["a"]}
    assert set(nets) == {"net1", "net2"}
    # the last link removed: null, as dockerd shows no links
    apply_notes(body, ContainerNotes(removed_links=("cache",)))
    assert body["HostConfig"]["Links"] is None


def test_connect_fields_as_dockerd_keeps_them() -> None:
    assert connect_fields({}) == {}
    # the CLI always sends an IPAMConfig; its empty members are not shown (Go's omitempty)
    assert connect_fields({"IPAMConfig": {"IPv4Address": "", "LinkLocalIPs": None}}) == {
        "IPAMConfig": {}
    }
    sent = {
        "IPAMConfig": {
            "IPv4Address": "10.1.0.5",
            "IPv6Address": "fd00::5",
            "LinkLocalIPs": ["169.254.1.1"],
        },
        "Links": ["db:alias"],
        "DriverOpts": {"com.example.opt": "1"},
        "Aliases": ["web"],  # podman applies and shows these itself
        "MacAddress": "02:42:ac:11:00:99",
    }
    assert connect_fields(sent) == {k: sent[k] for k in ("IPAMConfig", "Links", "DriverOpts")}
    for bad in (
        {"IPAMConfig": "x"},
        {"IPAMConfig": {"LinkLocalIPs": ["not-an-ip"]}},
        {"IPAMConfig": {"LinkLocalIPs": "169.254.1.1"}},
        {"Links": "db"},
        {"DriverOpts": {"k": 1}},
        {"DriverOpts": {"k": "v" * MAX_ENDPOINT_BYTES}},
    ):
        with pytest.raises(InvalidParameter):
            connect_fields(bad)


def test_notes_changes_and_bounds() -> None:
    notes = ContainerNotes().without_link("db").without_link("db")
    assert notes.removed_links == ("db",)
    notes = notes.connected("n1", {"Links": ["a"]}).connected("n1", {"DriverOpts": {"k": "v"}})
    assert notes.endpoints == {"n1": {"DriverOpts": {"k": "v"}}}
    assert notes.disconnected("n1").endpoints == {}
    assert not notes.empty() and ContainerNotes().empty()
    assert ContainerNotes.from_json(json.loads(json.dumps(notes.to_json()))) == notes
    for bad in (
        None,
        [],
        {"removed_links": "db", "endpoints": {}},
        {"removed_links": [], "endpoints": {"n": {"Other": 1}}},
    ):
        assert ContainerNotes.from_json(bad) is None
    full = ContainerNotes(removed_links=tuple(f"a{i}" for i in range(MAX_REMOVED_LINKS)))
    with pytest.raises(InvalidParameter):
        full.without_link("one-more")


class _Containers:
    """Which container ids exist (the store keeps notes only for those)."""

    def __init__(self, ids: list[str]) -> None:
        self.live = ids

    async def ids(self, *, running_only: bool = False) -> list[str]:
        return list(self.live)


async def test_store_writes_atomically_keeps_only_live_containers(tmp_path: Path) -> None:
    containers = _Containers(["c1", "c2"])
    notes = store.Notes(str(tmp_path), containers)  # type: ignore[arg-type]
    await notes.connected("c1", "net", {"DriverOpts": {"k": "v"}})
    await notes.connected("c2", "net", {})
    path = tmp_path / store.FILE_NAME
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [store.FILE_NAME]  # no temporary file left
    # the next service reads them back
    again = store.Notes(str(tmp_path), containers)  # type: ignore[arg-type]
    assert (await again.get("c1")) == ContainerNotes(endpoints={"net": {"DriverOpts": {"k": "v"}}})
    # c2 removed behind the shim's back: gone at the next write
    containers.live = ["c1"]
    await again.disconnected("c1", "net")
    assert json.loads(path.read_text())["notes"] == {}
    await again.connected("c1", "net", {})
    await again.forget(["c1"])
    assert await again.get("c1") is None
    assert json.loads(path.read_text())["notes"] == {}


async def test_store_ignores_a_file_not_its_own(tmp_path: Path) -> None:
    (tmp_path / store.FILE_NAME).write_text('{"format": 99, "notes": {"c1": {}}}')
    notes = store.Notes(str(tmp_path), _Containers(["c1"]))  # type: ignore[arg-type]
    assert await notes.get("c1") is None
    (tmp_path / store.FILE_NAME).write_text("not json")
    notes = store.Notes(str(tmp_path), _Containers(["c1"]))  # type: ignore[arg-type]
    assert await notes.get("c1") is None
