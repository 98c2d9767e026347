"""bbolt's flock on podman's state database, taken as podman's own processes take it but
tried again after short pauses: podman holds it a fraction of a millisecond to a few ms per
operation, and bbolt's own 50 ms retry made a read wait far longer than the write it met."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from dockershim.podman import statedb
from dockershim.podman.statedb import StateBusy, lock_pauses, locked


def test_pauses_double_from_a_millisecond_and_stop_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]  # a clock that moves only by the pauses taken
    monkeypatch.setattr(statedb.time, "monotonic", lambda: now[0])
    assert list(lock_pauses(0)) == []
    taken = []
    for pause in lock_pauses(0.05):
        taken.append(pause)
        now[0] += pause
    assert taken[:6] == [0.001, 0.002, 0.004, 0.008, 0.016, 0.016]
    assert sum(taken) == pytest.approx(0.05)  # up to the deadline, never past it


@pytest.mark.parametrize("exclusive", [False, True])
def test_a_lock_is_taken_as_soon_as_the_writer_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exclusive: bool
) -> None:
    path = tmp_path / "bolt_state.db"
    path.write_bytes(b"\0" * 4096)
    writer = os.open(path, os.O_RDWR)  # another open file: flock conflicts as with podman
    fcntl.flock(writer, fcntl.LOCK_EX)
    paused: list[float] = []

    def pause(seconds: float) -> None:  # the writer commits during the third pause
        paused.append(seconds)
        if len(paused) == 3:
            fcntl.flock(writer, fcntl.LOCK_UN)

    monkeypatch.setattr(statedb.time, "sleep", pause)
    try:
        with locked(str(path), exclusive=exclusive) as fd:
            assert not statedb.try_lock(writer, exclusive=True)  # ours now
            assert fd != writer
    finally:
        os.close(writer)
    assert paused == [0.001, 0.002, 0.004]


def test_a_lock_held_past_the_wait_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "bolt_state.db"
    path.write_bytes(b"\0" * 4096)
    writer = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(writer, fcntl.LOCK_EX)
        with (
            pytest.raises(StateBusy, match=r"not free within 0\.03s"),
            locked(str(path), exclusive=False, wait=0.03),
        ):
            pass
        with pytest.raises(StateBusy), locked(str(path), exclusive=False, wait=0):  # one try
            pass
    finally:
        os.close(writer)
