"""bbolt's flock on podman's state database, taken as podman's own processes take it but
tried again after short pauses: podman holds it a fraction of a millisecond to a few ms per
operation, and bbolt's own 50 ms retry made a read wait far longer than the write it met."""

from __future__ import annotations

import fcntl
import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockershim.podman import statedb
from dockershim.podman.statedb import StateBusy, lock_pauses, locked


def test_pauses_double_from_a_millisecond_and_stop_at_the_deadline() -> None:
    assert list(lock_pauses(0)) == []
    first = list(itertools.islice(lock_pauses(60.0), 7))
    assert first == [0.001, 0.002, 0.004, 0.008, 0.016, 0.016, 0.016]
    taken = []
    for pause in lock_pauses(0.05):
        taken.append(pause)
        time.sleep(pause)
    assert len(taken) >= 5  # 1 + 2 + 4 + 8 + 16 ms fit in the 50
    assert sum(taken) <= 0.05  # never a pause past the deadline


@pytest.mark.parametrize("exclusive", [False, True])
def test_a_lock_is_taken_as_soon_as_the_writer_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exclusive: bool
) -> None:
    path = tmp_path / "bolt_state.db"
    path.write_bytes(b"\0" * 4096)
    writer = os.open(path, os.O_RDWR)  # another open file: flock conflicts as with podman
    fcntl.flock(writer, fcntl.LOCK_EX)
    paused: list[float] = []

    def recorded(wait: float) -> Iterator[float]:  # the writer commits during the third pause
        for pause in lock_pauses(wait):
            paused.append(pause)
            if len(paused) == 3:
                fcntl.flock(writer, fcntl.LOCK_UN)
            yield pause

    monkeypatch.setattr(statedb, "lock_pauses", recorded)
    try:
        with locked(str(path), exclusive=exclusive) as fd:
            assert not statedb.try_lock(writer, exclusive=True)  # ours now
            assert fd != writer
    finally:
        os.close(writer)
    assert paused == [0.001, 0.002, 0.004]  # the try after the third pause found it free


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
