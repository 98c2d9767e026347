"""Exec records on disk: private directory, survive a new store (a restarted service), 404s."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dockershim.errors import NotFound
from dockershim.streams import execstore
from dockershim.streams.execstore import ExecStore


def test_create_load_update(tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = ExecStore(str(state))
    record = store.create("c" * 64, {"Cmd": ["true"]})
    assert len(record["ID"]) == 64
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(state / "execs").st_mode) == 0o700
    again = ExecStore(str(state))  # as after the service exited when idle
    assert again.load(record["ID"])["Config"] == {"Cmd": ["true"]}
    again.update(record["ID"], Running=False, ExitCode=3)
    assert store.load(record["ID"])["ExitCode"] == 3
    files = list((state / "execs").iterdir())
    assert [f.name for f in files] == [f"{record['ID']}.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


@pytest.mark.parametrize("exec_id", ["nope", "../../etc/passwd", "a" * 64])
def test_unknown_is_404(tmp_path: Path, exec_id: str) -> None:
    with pytest.raises(NotFound, match=f"No such exec instance: {exec_id}"):
        ExecStore(str(tmp_path)).load(exec_id)


def test_old_finished_records_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execstore, "PRUNE_EVERY", 0.0)  # looked at on each create
    store = ExecStore(str(tmp_path))
    old = store.create("c" * 64, {})
    running = store.create("c" * 64, {})
    store.update(running["ID"], Running=True)
    for rec in (old, running):
        path = tmp_path / "execs" / f"{rec['ID']}.json"
        os.utime(path, (1, 1))
    store.create("c" * 64, {})
    with pytest.raises(NotFound):
        store.load(old["ID"])
    assert store.load(running["ID"])["Running"] is True
