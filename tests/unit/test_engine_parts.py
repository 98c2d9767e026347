"""The engine (engine/__init__.py) makes its reading parts with it and the parts of changes and
streams on first use: one of each, wired to the same shared parts, and an engine that never
ran an exec closes without making its exec part."""

from __future__ import annotations

from pathlib import Path

from dockershim.engine import Engine
from dockershim.podman.facts import Learned
from tests.fakes import FakePodman

LAZY = (
    "starts", "attach", "lifecycle", "creates", "disk_usage", "registries", "updates", "logs",
    "top", "stats", "events", "execs", "transfer", "image_archives", "builds", "archives",
)  # fmt: skip


def _engine(tmp_path: Path) -> Engine:
    return Engine(FakePodman(), Learned(), str(tmp_path))  # type: ignore[arg-type]


def test_the_parts_of_changes_are_made_on_first_use_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    assert not set(LAZY) & set(vars(engine))
    for name in LAZY:
        assert getattr(engine, name) is getattr(engine, name)
    assert set(LAZY) <= set(vars(engine))


def test_the_made_parts_share_the_engines_own(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    assert engine.creates.lifecycle is engine.lifecycle
    assert engine.lifecycle.starts is engine.starts
    assert engine.lifecycle.containers is engine.containers
    assert engine.lifecycle.changes is engine.changes
    assert engine.lifecycle.removable_at_exit == engine.attach.removable_at_exit


async def test_closing_an_engine_that_ran_no_exec_makes_no_exec_part(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    await engine.close()
    assert "execs" not in vars(engine)
