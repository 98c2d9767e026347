"""Exec records are bounded in size, count and age (the runtime dir is a small tmpfs)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dockershim.errors import InvalidParameter, Unavailable
from dockershim.streams import execstore
from dockershim.streams.execstore import ExecStore


def test_oversized_config_is_refused(tmp_path: Path) -> None:
    store = ExecStore(str(tmp_path))
    with pytest.raises(InvalidParameter, match="larger than"):
        store.create("c" * 64, {"Cmd": ["x" * (execstore.MAX_RECORD_BYTES + 1)]})


def test_finished_records_expire_after_an_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execstore, "PRUNE_EVERY", 0.0)
    store = ExecStore(str(tmp_path))
    old = store.create("c" * 64, {"Cmd": ["true"]})
    running = store.update(store.create("c" * 64, {"Cmd": ["sh"]})["ID"], Running=True)
    stale = time.time() - execstore.PRUNE_AFTER - 10
    for record in (old, running):
        os.utime(tmp_path / "execs" / f"{record['ID']}.json", (stale, stale))
    store.create("c" * 64, {"Cmd": ["true"]})
    names = {p.stem for p in (tmp_path / "execs").glob("*.json")}
    assert old["ID"] not in names and running["ID"] in names and len(names) == 2


def test_ages_are_looked_at_once_a_minute(tmp_path: Path) -> None:
    """Expiry reads every record: not on each create, once a minute at most."""
    store = ExecStore(str(tmp_path))
    old = store.create("c" * 64, {"Cmd": ["true"]})
    stale = time.time() - execstore.PRUNE_AFTER - 10
    os.utime(tmp_path / "execs" / f"{old['ID']}.json", (stale, stale))
    store.create("c" * 64, {"Cmd": ["true"]})
    assert (tmp_path / "execs" / f"{old['ID']}.json").exists()  # looked at a moment ago
    execstore._pruned_at[store.root] -= execstore.PRUNE_EVERY
    store.create("c" * 64, {"Cmd": ["true"]})
    assert not (tmp_path / "execs" / f"{old['ID']}.json").exists()


def test_count_is_capped_oldest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execstore, "MAX_RECORDS", 3)
    store = ExecStore(str(tmp_path))
    ids = []
    for i in range(3):
        ids.append(store.create("c" * 64, {"Cmd": ["true"]})["ID"])
        recent = time.time() - 60 + i
        os.utime(tmp_path / "execs" / f"{ids[-1]}.json", (recent, recent))
    os.utime(tmp_path / "execs" / f"{ids[0]}.json", (time.time(), time.time()))
    newest = store.create("c" * 64, {"Cmd": ["true"]})["ID"]
    names = {p.stem for p in (tmp_path / "execs").glob("*.json")}
    assert names == {ids[0], ids[2], newest}  # the oldest (ids[1]) made room
    for name in names:
        store.update(name, Running=True)
    while len(list((tmp_path / "execs").glob("*.json"))) < 3:
        store.update(store.create("c" * 64, {"Cmd": ["sh"]})["ID"], Running=True)
    with pytest.raises(Unavailable, match="too many exec instances"):
        store.create("c" * 64, {"Cmd": ["true"]})
