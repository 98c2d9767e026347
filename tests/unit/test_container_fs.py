"""Resolving container paths under a root directory without escaping it (like a chroot)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockershim.engine.container_fs import _Missing, resolve


@pytest.fixture
def root(tmp_path: Path) -> str:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "tool").write_text("x")
    (tmp_path / "bin").symlink_to("usr/bin")
    (tmp_path / "abs").symlink_to("/usr/bin")
    (tmp_path / "up").symlink_to("../../../../usr")
    (tmp_path / "loop").symlink_to("loop")
    return str(tmp_path)


def test_symlinks_resolve_inside_the_root(root: str) -> None:
    assert resolve(root, "/bin/tool", follow_last=False) == "/usr/bin/tool"
    assert resolve(root, "/abs/tool", follow_last=False) == "/usr/bin/tool"
    assert resolve(root, "/up/bin/tool", follow_last=False) == "/usr/bin/tool"
    assert resolve(root, "/../../usr/../usr/./bin", follow_last=False) == "/usr/bin"
    assert resolve(root, "/abs", follow_last=False) == "/abs"
    assert resolve(root, "/abs", follow_last=True) == "/usr/bin"
    assert os.path.exists("/etc/passwd")  # the host's file is never what "/abs/.." reaches
    assert resolve(root, "/abs/../bin", follow_last=True) == "/usr/bin"


def test_missing_and_loops(root: str) -> None:
    with pytest.raises(_Missing):
        resolve(root, "/nope/x", follow_last=False)
    with pytest.raises(_Missing):
        resolve(root, "/usr/bin/tool/x", follow_last=False)
    with pytest.raises(OSError, match="too many levels"):
        resolve(root, "/loop/x", follow_last=False)
