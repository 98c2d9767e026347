"""Resolving container paths under a root directory without escaping it (like a chroot)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dockershim.engine.container_fs import _Missing, resolve, root_primary_group


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


def _process(tmp_path: Path, passwd: bytes | None, mounts: list[str] | None = None) -> Path:
    """A fake /proc/PID: its mountinfo and a root with /etc/passwd (None: no file)."""
    process = tmp_path / "proc" / "42"
    (process / "root" / "etc").mkdir(parents=True)
    lines = [
        f"{n} 1 0:{n} / {point} rw - overlay overlay rw"
        for n, point in enumerate(["/", "/proc", "/etc/hosts", *(mounts or [])], 20)
    ]
    (process / "mountinfo").write_text("\n".join(lines) + "\n")
    if passwd is not None:
        (process / "root" / "etc" / "passwd").write_bytes(passwd)
    return process


@pytest.mark.parametrize(
    ("passwd", "group"),
    [
        (b"root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\n", 0),
        (b"daemon:x:1:1::/:/bin/sh\r\nroot:x:0:5:root:/root:/bin/sh\r\n", 5),
        (b"root:x:0:0:root:/root:/bin/sh\nroot:x:0:9:again:/:/bin/sh\n", 0),  # the first
        (b"nobody:x:65534:65534::/:/bin/false\n", 0),  # no root entry: group 0
        (b"", 0),
        (b"# a comment ends the scan\nroot:x:0:7:root:/root:/bin/sh\n", 0),
        (b"daemon:x:+1:1::/:/bin/sh\nroot:x:0:7:root:/root:/bin/sh\n", 0),  # not decimal
        (b"\nroot:x:0:7:root:/root:/bin/sh\n", 0),  # an empty line ends it too
        (b"root:x:0:4294967296:root:/root:/bin/sh\n", 0),  # beyond 32 bits: unparsed
        (b"x" * 70_000 + b"\nroot:x:0:7:root:/root:/bin/sh\n", 0),  # Go's scanner gives up
        (b"root:x:00:0012:root:/root:/bin/sh\n", 12),
    ],
)
def test_root_group_is_read_as_podman_reads_passwd(
    tmp_path: Path, passwd: bytes, group: int
) -> None:
    _process(tmp_path, passwd)
    assert root_primary_group(42, proc=str(tmp_path / "proc")) == group


def test_no_passwd_is_group_0(tmp_path: Path) -> None:
    _process(tmp_path, None)
    assert root_primary_group(42, proc=str(tmp_path / "proc")) == 0
    (tmp_path / "proc" / "42" / "root" / "etc").rmdir()
    assert root_primary_group(42, proc=str(tmp_path / "proc")) == 0


def test_root_group_unknown_where_the_view_may_not_be_podmans(tmp_path: Path) -> None:
    """A mount over /etc or /etc/passwd (podman reads the image's file), a link on the way
    (never followed out of the container), a file too long to read whole: None."""
    proc = str(tmp_path / "proc")
    line = b"root:x:0:0:root:/root:/bin/sh\n"
    for mount in ("/etc", "/etc/passwd"):
        shutil.rmtree(tmp_path / "proc", ignore_errors=True)
        _process(tmp_path, line, mounts=[mount])
        assert root_primary_group(42, proc=proc) is None
    shutil.rmtree(tmp_path / "proc")
    _process(tmp_path, line, mounts=["/etc/hostname", "/etc/passwd.d", "/etcetera"])
    assert root_primary_group(42, proc=proc) == 0
    etc = tmp_path / "proc" / "42" / "root" / "etc"
    (etc / "passwd").rename(etc / "real")
    (etc / "passwd").symlink_to("real")
    assert root_primary_group(42, proc=proc) is None
    shutil.rmtree(etc)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "passwd").write_bytes(line)
    etc.symlink_to(tmp_path / "elsewhere")
    assert root_primary_group(42, proc=proc) is None
    etc.unlink()
    etc.mkdir()
    (etc / "passwd").write_bytes(b"daemon:x:1:1::/:/bin/sh\n" * 50_000)  # > 1 MiB
    assert root_primary_group(42, proc=proc) is None
    assert root_primary_group(43, proc=proc) is None  # no such process
