"""docker cp helpers: Go file modes, the stat header, breakout checks, podman diff."""

from __future__ import annotations

import base64
import json

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.archive import (
    GO_DIR,
    GO_SETUID,
    GO_SYMLINK,
    KIND_DIR,
    KIND_HARDLINK,
    KIND_REGULAR,
    KIND_SYMLINK,
    Entry,
    ServiceStat,
    check_entries,
    docker_changes,
    encode_stat,
    go_file_mode,
    path_stat,
    rebase_name,
    service_path_stat,
    service_stat,
)
from tests.fakes import fixture_json


def test_go_file_mode() -> None:
    assert go_file_mode(0o755, KIND_DIR) == GO_DIR | 0o755 == 2147484141
    assert go_file_mode(0o777, KIND_SYMLINK) == GO_SYMLINK | 0o777
    assert go_file_mode(0o4755, KIND_REGULAR) == GO_SETUID | 0o755


def test_stat_header_is_url_base64_json() -> None:
    stat = path_stat("/opt/tree/", Entry("tree", KIND_DIR, 0o755, 0, 1795925000.0))
    assert stat == {
        "name": "tree",
        "size": 4096,
        "mode": 2147484141,
        "mtime": "2026-11-29T04:03:20Z",
        "linkTarget": "",
    }
    assert json.loads(base64.urlsafe_b64decode(encode_stat(stat))) == stat
    assert path_stat("/", Entry(".", KIND_DIR))["name"] == "/"


@pytest.mark.parametrize(
    "entry",
    [
        Entry("../escape", KIND_REGULAR),
        Entry("a/../../escape", KIND_REGULAR),
        Entry("..", KIND_DIR),
        Entry("lnk", KIND_SYMLINK, linkname="../../etc"),
        Entry("d/lnk", KIND_SYMLINK, linkname="../../x"),
        Entry("hl", KIND_HARDLINK, linkname="../etc/passwd"),
    ],
)
def test_escaping_entries_are_refused(entry: Entry) -> None:
    with pytest.raises(InvalidParameter, match="outside of '/dst'"):
        check_entries([Entry("ok", KIND_REGULAR), entry], "/dst")


def test_entries_inside_are_accepted() -> None:
    entries = [
        Entry("/abs/name", KIND_REGULAR),  # leading "/" is relative to the target, as dockerd
        Entry("./a/../b", KIND_REGULAR),
        Entry("d/lnk", KIND_SYMLINK, linkname="../b"),
        Entry("abs", KIND_SYMLINK, linkname="/etc/passwd"),
        Entry("hl", KIND_HARDLINK, linkname="b"),
    ]
    assert check_entries(entries, "/dst") == 5


def test_rebase_name() -> None:
    assert rebase_name("busybox", "busybox", "sh") == "sh"
    assert rebase_name("target/x", "target", "link") == "link/x"
    assert rebase_name("targetx/y", "target", "link") == "targetx/y"


def test_docker_changes_from_podman_diff() -> None:
    # /etc changed only by podman's own mount points: dockerd shows nothing (init layer)
    assert docker_changes(fixture_json("diff.json")) == []
    diff = {"changed": ["/tmp", "/etc"], "added": ["/tmp/a"], "deleted": ["/etc/x"]}
    assert docker_changes(diff) == [
        {"Path": "/etc", "Kind": 0},
        {"Path": "/etc/x", "Kind": 2},
        {"Path": "/tmp", "Kind": 0},
        {"Path": "/tmp/a", "Kind": 1},
    ]
    assert docker_changes({}) == []


def test_podmans_stat_header_is_read() -> None:
    info = {"name": ".", "size": 4096, "mode": 2147484141, "isDir": True,
            "mtime": "2024-05-06T07:08:09.5Z", "linkTarget": "/."}  # fmt: skip
    header = base64.urlsafe_b64encode(json.dumps(info).encode()).decode()
    assert service_stat(header) == ServiceStat(True, 1714979289.5, 4096, 2147484141, "/.")
    file = base64.urlsafe_b64encode(json.dumps({"isDir": False, "mode": 420}).encode()).decode()
    assert service_stat(file) == ServiceStat(False, 0.0, 0, 420)
    assert service_stat("") is None and service_stat("%%%") is None
    odd = base64.urlsafe_b64encode(json.dumps({"mode": "rwx"}).encode()).decode()
    assert service_stat(odd) is None


def test_podmans_stat_becomes_dockers() -> None:
    """A link keeps its own mode and size and says where it leads (dockerd's lstat); the
    name is the one asked for; a directory has Go's directory bit."""
    link = ServiceStat(True, 1714979289.0, 4, (1 << 27) | 0o777, "/etc")
    assert service_path_stat("/data/to-dir", link) == {
        "name": "to-dir",
        "size": 4,
        "mode": (1 << 27) | 0o777,
        "mtime": "2024-05-06T07:08:09Z",
        "linkTarget": "/etc",
    }
    folder = ServiceStat(True, 0.0, 4096, 0o755, "/data")
    assert service_path_stat("/data/.", folder)["mode"] == (1 << 31) | 0o755
    assert service_path_stat("/data/.", folder)["name"] == "data"
    assert service_path_stat("/", folder)["name"] == "/"
    assert service_path_stat("/data/f", ServiceStat(False, 0.0, 12, 0o644, "/data/f")) == {
        "name": "f",
        "size": 12,
        "mode": 0o644,
        "mtime": "1970-01-01T00:00:00Z",
        "linkTarget": "",
    }
