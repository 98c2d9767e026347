"""Docker fields keep Docker's meaning: bind modes, propagation, Volumes keys, loopback."""

from __future__ import annotations

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.container_create import create_argv
from dockershim.translate.mount_modes import bind_spec, clean_path, propagation, volume_path
from dockershim.translate.references import is_loopback_registry


@pytest.mark.parametrize(
    ("bind", "podman"),
    [
        ("/src:/dst", "/src:/dst"),
        ("/src:/dst:ro", "/src:/dst:ro"),
        ("/src:/dst:rw,Z,rshared", "/src:/dst:rw,Z,rshared"),
        ("vol:/dst:nocopy", "vol:/dst:nocopy"),
        ("/src:/dst:cached", "/src:/dst"),
        ("/data", "/data"),
    ],
)
def test_docker_bind_modes_pass(bind: str, podman: str) -> None:
    assert bind_spec(bind) == podman


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("/src:/dst:U", "invalid mode: U"),
        ("/src:/dst:O", "invalid mode: O"),
        ("/src:/dst:ro,U", "invalid mode: ro,U"),
        ("/src:/dst:ro,rw", "invalid mode: ro,rw"),
        ("/src:/dst:idmap", "invalid mode: idmap"),
        ("/src:/dst:ro:extra", "invalid volume specification: '/src:/dst:ro:extra'"),
    ],
)
def test_podman_only_bind_modes_are_refused(bind: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        bind_spec(bind)
    assert info.value.message == message


def test_propagation_from_dockers_list_only() -> None:
    assert propagation("rslave") == "rslave"
    with pytest.raises(InvalidParameter, match="invalid propagation mode: rprivate,ro"):
        propagation("rprivate,ro")


@pytest.mark.parametrize("key", ["/host:/ctr", "relative", "/a,b"])
def test_volumes_keys_are_container_paths(key: str) -> None:
    with pytest.raises(InvalidParameter):
        volume_path(key)
    with pytest.raises(InvalidParameter):
        create_argv({"Image": "busybox", "Volumes": {key: {}}}, name=None, image="busybox")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost:5000", True),
        ("127.0.0.1:5000", True),
        ("127.9.9.9", True),
        ("[::1]:5000", True),
        ("127.attacker.example", False),
        ("127.0.0.1.nip.io:5000", False),
        ("localhost.example", False),
        ("10.0.0.1:5000", False),
    ],
)
def test_loopback_is_the_address_range(host: str, loopback: bool) -> None:
    assert is_loopback_registry(host) is loopback


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [("/a/b/", "/a/b"), ("//a//b", "/a/b"), ("///a", "/a"), ("/a/../b/.", "/b"), ("/", "/")],
)
def test_mount_targets_are_cleaned_as_gos_path_clean_does(path: str, cleaned: str) -> None:
    assert clean_path(path) == cleaned
