from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from dockershim.api.buildcontext import extract_context
from dockershim.errors import InvalidParameter


def _tar(path: Path, entries: list[tuple[str, str, str]], mode: str = "w") -> Path:
    """entries: (kind, name, data-or-linkname) with kind file/dir/sym/lnk."""
    with tarfile.open(path, mode) as tar:
        for kind, name, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data.encode()))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "lnk": tarfile.LNKTYPE}[
                kind
            ]
            info.linkname = data
            tar.addfile(info)
    return path


def test_plain_and_gzip_contexts_unpack(tmp_path: Path) -> None:
    for mode in ("w", "w:gz"):
        root = tmp_path / mode.replace(":", "_")
        root.mkdir()
        archive = _tar(
            tmp_path / f"{mode}.tar",
            [
                ("dir", "sub", ""),
                ("file", "sub/Dockerfile", "FROM busybox\n"),
                ("sym", "abs-link", "/etc/passwd"),
            ],
            mode,
        )
        extract_context(str(archive), str(root))
        assert (root / "sub" / "Dockerfile").read_text() == "FROM busybox\n"
        assert (root / "abs-link").is_symlink()


@pytest.mark.parametrize(
    "entries",
    [
        [("file", "../escape", "x")],
        [("file", "/abs", "x")],
        [("sym", "link", "/tmp"), ("file", "link/evil", "x")],
        [("sym", "link", "../.."), ("file", "link/evil", "x")],
        [("sym", "target", "/etc/hostname"), ("file", "target", "x")],
        [("lnk", "hard", "../../etc/passwd")],
    ],
    ids=[
        "dotdot",
        "absolute",
        "through-abs-symlink",
        "through-rel-symlink",
        "onto-symlink",
        "hardlink",
    ],
)
def test_escaping_entries_are_refused(tmp_path: Path, entries: list[tuple[str, str, str]]) -> None:
    root = tmp_path / "ctx"
    root.mkdir()
    archive = _tar(tmp_path / "c.tar", entries)
    with pytest.raises(InvalidParameter):
        extract_context(str(archive), str(root))
    assert not (tmp_path / "escape").exists()


def test_bare_dockerfile_body(tmp_path: Path) -> None:
    (tmp_path / "body").write_text("FROM busybox\nRUN true\n")
    (tmp_path / "ctx").mkdir()
    extract_context(str(tmp_path / "body"), str(tmp_path / "ctx"), "Dockerfile.dev")
    assert (tmp_path / "ctx" / "Dockerfile.dev").read_text() == "FROM busybox\nRUN true\n"


def test_garbage_is_400(tmp_path: Path) -> None:
    (tmp_path / "junk").write_bytes(b"\x00\xff not a tar at all" * 10)
    (tmp_path / "ctx").mkdir()
    with pytest.raises(InvalidParameter):
        extract_context(str(tmp_path / "junk"), str(tmp_path / "ctx"))


def test_unpadded_tail_as_the_docker_cli_sends_it(tmp_path: Path) -> None:
    # `docker build -f /elsewhere/Dockerfile ctx`: the CLI appends the Dockerfile under a
    # generated name and ends the tar right after its data (no padding, no end blocks).
    full = _tar(tmp_path / "full.tar", [("file", "f.txt", "hi\n"), ("file", ".df.1", "FROM x\n")])
    raw = full.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(raw[: 3 * 512 + len("FROM x\n")])
    for mode, body in (("plain", cut.read_bytes()), ("gz", gzip.compress(cut.read_bytes()))):
        archive = tmp_path / f"cut-{mode}"
        archive.write_bytes(body)
        root = tmp_path / f"ctx-{mode}"
        root.mkdir()
        extract_context(str(archive), str(root), ".df.1")
        assert (root / ".df.1").read_text() == "FROM x\n"
        assert (root / "f.txt").read_text() == "hi\n"


def test_truncated_data_still_refused(tmp_path: Path) -> None:
    full = _tar(tmp_path / "full.tar", [("file", "big", "x" * 2000)])
    cut = tmp_path / "cut.tar"
    cut.write_bytes(full.read_bytes()[:1000])
    with pytest.raises(InvalidParameter, match="not a valid tar archive"):
        extract_context(str(cut), str(tmp_path))


def test_truncated_last_entry_refused(tmp_path: Path) -> None:
    full = _tar(tmp_path / "full.tar", [("file", "a", "a"), ("file", "big", "x" * 600)])
    cut = tmp_path / "cut.tar"
    cut.write_bytes(full.read_bytes()[: 3 * 512 + 599])
    with pytest.raises(InvalidParameter, match="not a valid tar archive"):
        extract_context(str(cut), str(tmp_path))


def test_hard_links_to_entries_before_them_and_to_nothing(tmp_path: Path) -> None:
    """A hard link to a file unpacked before it is made (no header is kept for it, the file
    is there); one to nothing in the context is a 400."""
    good = _tar(tmp_path / "good.tar", [("file", "a", "data"), ("lnk", "b", "a")])
    (tmp_path / "ctx").mkdir()
    extract_context(str(good), str(tmp_path / "ctx"))
    assert (tmp_path / "ctx" / "b").read_text() == "data"
    assert (tmp_path / "ctx" / "b").stat().st_ino == (tmp_path / "ctx" / "a").stat().st_ino
    bad = _tar(tmp_path / "bad.tar", [("file", "a", "data"), ("lnk", "c", "missing")])
    (tmp_path / "ctx2").mkdir()
    with pytest.raises(InvalidParameter, match="has no target"):
        extract_context(str(bad), str(tmp_path / "ctx2"))
