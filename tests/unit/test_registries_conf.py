"""registries.conf as containers/image reads it for a pull: prefixes, mirrors, drop-ins."""

from __future__ import annotations

import os

import pytest

from dockershim.engine.registries import Registries
from dockershim.translate import registries_conf as rc
from dockershim.translate.references import parse_reference

MAIN = """
unqualified-search-registries = ["docker.io"]

[[registry]]
prefix = "docker.io"
location = "127.0.0.1:5000"
insecure = true

[[registry]]
prefix = "example.com/team"
location = "example.com/team"

[[registry.mirror]]
location = "mirror.example:5000/cache/team"
insecure = true

[[registry.mirror]]
location = "digests.example"
pull-from-mirror = "digest-only"

[[registry]]
prefix = "*.blocked.example"
blocked = true
"""
DIGEST = "sha256:" + "a" * 64


def _sources(name: str, *files: str) -> list[tuple[str, str, bool]]:
    entries = rc.merge([rc.parse(text) for text in files or (MAIN,)])
    return [(s.host, s.path, s.insecure) for s in rc.sources(entries, parse_reference(name))]


def test_location_rewrites_the_prefix() -> None:
    assert _sources("busybox") == [("127.0.0.1:5000", "library/busybox", True)]
    assert _sources("docker.io/user/app:v1") == [("127.0.0.1:5000", "user/app", True)]


def test_mirrors_first_then_the_location() -> None:
    assert _sources("example.com/team/app:1") == [
        ("mirror.example:5000", "cache/team/app", True),
        ("example.com", "team/app", False),
    ]
    assert _sources(f"example.com/team/app@{DIGEST}")[1] == ("digests.example", "app", False)
    # a prefix ends at a path component: example.com/teamwork is another repository
    assert _sources("example.com/teamwork/app") == [("example.com", "teamwork/app", False)]


def test_unlisted_registries_are_asked_directly() -> None:
    assert _sources("quay.io/x/y") == [("quay.io", "x/y", False)]
    assert _sources("localhost:5000/x") == [("localhost:5000", "x", True)]


def test_blocked_wildcard() -> None:
    with pytest.raises(rc.RegistryBlocked):
        _sources("r.blocked.example/x")


def test_drop_ins_replace_the_same_prefix() -> None:
    drop_in = '[[registry]]\nprefix = "docker.io"\nlocation = "other.example"\n'
    assert _sources("busybox", MAIN, drop_in) == [("other.example", "library/busybox", False)]
    assert _sources("busybox", MAIN, "not toml [") == [("127.0.0.1:5000", "library/busybox", True)]


def test_v1_insecure_and_block_lists() -> None:
    v1 = '[registries.insecure]\nregistries = ["reg.example"]\n[registries.block]\nregistries = ["bad.example"]\n'
    assert _sources("reg.example/x", v1) == [("reg.example", "x", True)]
    with pytest.raises(rc.RegistryBlocked):
        _sources("bad.example/x", v1)


def test_files_read_as_podman_reads_them(tmp_path: os.PathLike[str]) -> None:
    home = str(tmp_path)
    user = os.path.join(home, ".config", "containers", "registries.conf")
    system_only = Registries({"HOME": home}).files()
    assert system_only[0] == "/etc/containers/registries.conf"
    os.makedirs(user + ".d")
    for name in ("b.conf", "a.conf", "skip.txt"):
        open(os.path.join(user + ".d", name), "w").close()
    open(user, "w").close()
    assert Registries({"HOME": home}).files() == [
        user, os.path.join(user + ".d", "a.conf"), os.path.join(user + ".d", "b.conf")
    ]  # fmt: skip
    explicit = Registries({"HOME": home, "CONTAINERS_REGISTRIES_CONF": "/x.conf"}).files()
    assert explicit[0] == "/x.conf" and explicit[-1] == os.path.join(user + ".d", "b.conf")
