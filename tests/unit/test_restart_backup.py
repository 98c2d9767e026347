"""The restart patch's backup record: kept from before the write until podman was seen reading
the result; a patch left unconfirmed (crash) is undone at the next start; range checks."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dockershim.engine.restart_policy import patch_file, set_restart_policy
from dockershim.errors import InvalidParameter
from dockershim.podman import restart_backup
from dockershim.podman.facts import Learned
from dockershim.translate.container_hostconfig import restart_flags
from dockershim.translate.restart_config import MAX_RETRIES, RestartConfigError, rewrite
from dockershim.translate.update import restart_change
from tests.fakes import FIXTURES
from tests.unit.test_restart_patch import NO_ID, _config, _fake, _inspected


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "libpod").mkdir()
    path = tmp_path / "libpod" / "bolt_state.db"
    shutil.copyfile(Path(FIXTURES) / "bolt_state.db", path)
    return path


def test_a_crash_after_the_write_is_undone_at_the_next_start(db: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    before = db.read_bytes()
    assert patch_file(str(db), NO_ID, "on-failure", 5, str(state)) is not None
    assert db.read_bytes() != before
    # the service died here: no verification, the record stays
    assert os.listdir(state / "restart-patch") == [f"{NO_ID}.json"]
    assert oct(os.stat(state / "restart-patch" / f"{NO_ID}.json").st_mode & 0o777) == "0o600"
    assert restart_backup.recover(str(state)) == [NO_ID]
    assert db.read_bytes() == before
    assert os.listdir(state / "restart-patch") == []
    assert restart_backup.recover(str(state)) == []


def test_a_config_podman_rewrote_since_is_left_alone(db: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    patch_file(str(db), NO_ID, "always", 0, str(state))
    patch_file(str(db), NO_ID, "unless-stopped", 0)  # someone else changed it meanwhile
    after = db.read_bytes()
    assert restart_backup.recover(str(state)) == []
    assert db.read_bytes() == after
    assert os.listdir(state / "restart-patch") == []


async def test_a_confirmed_patch_leaves_no_record(db: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    podman = _fake(tmp_path)
    podman.answer(["container", "inspect"], _inspected("on-failure", 2))
    await set_restart_policy(podman, Learned(), NO_ID, "on-failure", 2, state_dir=str(state))
    assert os.listdir(state / "restart-patch") == []
    assert restart_backup.recover(str(state)) == []
    assert b"on-failure" in _config(db, NO_ID)


async def test_a_cancelled_check_keeps_the_record(db: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    podman = _fake(tmp_path)
    real_run = podman.run

    async def cancelled(args: Any, **kwargs: Any) -> Any:
        if list(args[:2]) == ["container", "inspect"]:
            raise asyncio.CancelledError
        return await real_run(args, **kwargs)

    podman.run = cancelled  # type: ignore[method-assign]
    before = db.read_bytes()
    with pytest.raises(asyncio.CancelledError):
        await set_restart_policy(podman, Learned(), NO_ID, "always", 0, state_dir=str(state))
    assert restart_backup.recover(str(state)) == [NO_ID]
    assert db.read_bytes() == before


def test_retry_count_range() -> None:
    too_many = MAX_RETRIES + 1
    with pytest.raises(InvalidParameter):
        restart_change({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": too_many}}, {})
    with pytest.raises(InvalidParameter):
        restart_flags({"Name": "on-failure", "MaximumRetryCount": too_many})
    with pytest.raises(InvalidParameter):
        restart_flags({"Name": "on-failure", "MaximumRetryCount": float("inf")})
    with pytest.raises(RestartConfigError):
        rewrite(b'{"id":"x"}', "on-failure", 2**64)
