"""The in-place patch of a copy of a real podman 4.3.1 state file: write, re-read, restore,
refuse under a held lock; the route-level flow with a fake podman (the proof is the
integration test against real podman)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dockershim.engine.restart_policy import patch_file, restore_file, set_restart_policy
from dockershim.errors import DockerError
from dockershim.podman import statedb
from dockershim.podman.boltstate import locate
from dockershim.podman.facts import Learned
from dockershim.podman.statedb import StateBusy
from dockershim.translate.restart_config import current_policy
from tests.fakes import FIXTURES, FakePodman

NO_ID = "64d14f2a1aa47d70143ac3611e6cb84f2691e6b4ec5d23361782b038225c12e3"
ALWAYS_ID = "ab9e00e96f039408cf27f6e4c1241d6f0294579e05ad01bfcc815ec1ef89bab3"


def _config(path: Path, cid: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        where = locate(fd, [b"ctr", cid.encode()], b"config")
        assert where is not None
        return os.pread(fd, where.length, where.offset)
    finally:
        os.close(fd)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "bolt_state.db"
    shutil.copyfile(Path(FIXTURES) / "bolt_state.db", path)
    return path


def test_patch_then_restore(db: Path) -> None:
    before = db.read_bytes()
    original = patch_file(str(db), NO_ID, "on-failure", 3)
    assert original == _config(Path(FIXTURES) / "bolt_state.db", NO_ID)
    assert current_policy(_config(db, NO_ID)) == ("on-failure", 3)
    after = db.read_bytes()
    assert len(after) == len(before)
    changed = [i for i in range(len(before)) if before[i] != after[i]]
    where = before.find(original)
    assert changed and where <= changed[0] and changed[-1] < where + len(original)
    assert _config(db, ALWAYS_ID) == _config(Path(FIXTURES) / "bolt_state.db", ALWAYS_ID)
    assert patch_file(str(db), NO_ID, "on-failure", 3) is None  # same policy: no write
    assert restore_file(str(db), NO_ID, original, "on-failure", 3)
    assert db.read_bytes() == before
    assert not restore_file(str(db), NO_ID, original, "on-failure", 3)  # not ours any more


def test_unknown_container_and_foreign_files(db: Path, tmp_path: Path) -> None:
    with pytest.raises(DockerError, match="not in podman's state database"):
        patch_file(str(db), "f" * 64, "always", 0)
    other = tmp_path / "db.sql"
    other.write_bytes(b"SQLite format 3\0" + b"\0" * 8192)
    with pytest.raises(DockerError, match="cannot read podman's state database"):
        patch_file(str(other), NO_ID, "always", 0)
    with pytest.raises(DockerError, match="cannot open"):
        patch_file(str(tmp_path / "missing.db"), NO_ID, "always", 0)


def test_a_held_lock_means_busy(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statedb, "LOCK_WAIT", 0.2)
    holder = os.open(db, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        before = db.read_bytes()
        with pytest.raises(StateBusy, match="busy") as info:
            patch_file(str(db), NO_ID, "always", 0)
        assert info.value.status == 500
        assert db.read_bytes() == before
    finally:
        os.close(holder)
    assert patch_file(str(db), NO_ID, "always", 0) is not None
    assert json.loads(_config(db, NO_ID))["restart_policy"] == "always"


def _fake(graph_root: Path, backend: str = "boltdb") -> FakePodman:
    podman = FakePodman()
    podman.answer(["update", "--help"], "Usage: podman update [options] CONTAINER\n  --cpus")
    info = {"host": {"databaseBackend": backend}, "store": {"graphRoot": str(graph_root)}}
    podman.answer(["info", "--format", "json"], info)
    podman.answer(["version", "--format", "json"], {"Client": {"Version": "4.3.1"}})
    return podman


def _inspected(name: str, retries: int) -> list[dict[str, Any]]:
    return [{"HostConfig": {"RestartPolicy": {"Name": name, "MaximumRetryCount": retries}}}]


async def test_set_restart_policy_patches_then_checks(tmp_path: Path) -> None:
    (tmp_path / "libpod").mkdir()
    path = tmp_path / "libpod" / "bolt_state.db"
    shutil.copyfile(Path(FIXTURES) / "bolt_state.db", path)
    podman = _fake(tmp_path)
    podman.answer(["container", "inspect"], _inspected("unless-stopped", 0))
    learned = Learned()
    await set_restart_policy(podman, learned, NO_ID, "unless-stopped", 0)
    assert current_policy(_config(path, NO_ID)) == ("unless-stopped", 0)
    assert learned.update_restart is False
    assert learned.state_db == str(path)
    # podman reads something else: the original bytes go back, and the client hears of it
    before = path.read_bytes()
    with pytest.raises(DockerError, match="the original config was put back"):
        await set_restart_policy(podman, learned, NO_ID, "always", 0)
    assert path.read_bytes() == before


async def test_without_a_bolt_state(tmp_path: Path) -> None:
    for podman in (_fake(tmp_path), _fake(tmp_path, "sqlite")):
        with pytest.raises(DockerError, match="needs podman's BoltDB state") as info:
            await set_restart_policy(podman, Learned(), NO_ID, "always", 0)
        assert "--restart (podman 5 or later)" in info.value.message


async def test_a_podman_that_can_update_the_policy(tmp_path: Path) -> None:
    podman = FakePodman()
    podman.answer(["update", "--help"], "  --restart string   Restart policy\n")
    podman.answer(["update", "--restart=on-failure:2"], "")
    await set_restart_policy(podman, Learned(), NO_ID, "on-failure", 2)
    assert podman.calls[-1] == ["update", "--restart=on-failure:2", "--", NO_ID]
