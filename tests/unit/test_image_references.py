from __future__ import annotations

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.references import (
    candidates,
    docker_name,
    familiar,
    is_loopback_registry,
    parse_reference,
    registry_host,
    tls_args,
)


@pytest.mark.parametrize(
    ("text", "full"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("user/app", "docker.io/user/app:latest"),
        ("docker.io/library/busybox", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox:x", "docker.io/library/busybox:x"),
        ("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1"),
        ("localhost/app", "localhost/app:latest"),
        ("quay.io/a/b@sha256:" + "a" * 64, "quay.io/a/b@sha256:" + "a" * 64),
        ("b:v1@sha256:" + "b" * 64, "docker.io/library/b:v1@sha256:" + "b" * 64),
    ],
)
def test_full_names_never_leave_a_short_name_for_podman(text: str, full: str) -> None:
    assert parse_reference(text).full() == full


@pytest.mark.parametrize("bad", ["", "UPPER", "a b", "-rf", "a:b:c", "x/" + "y" * 600, "--all"])
def test_invalid_references_are_400(bad: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_reference(bad)


def test_familiar_names_hide_docker_io_library_and_localhost() -> None:
    assert familiar("docker.io/library/busybox:latest") == "busybox:latest"
    assert familiar("docker.io/user/app:v1") == "user/app:v1"
    assert familiar("localhost/t1:latest") == "t1:latest"
    assert familiar("127.0.0.1:5000/x:v1") == "127.0.0.1:5000/x:v1"
    assert docker_name(parse_reference("127.0.0.1:5001/x")) == "127.0.0.1:5001/x:latest"


def test_candidates_try_docker_name_then_podman_localhost() -> None:
    assert candidates("t1") == ["docker.io/library/t1:latest", "localhost/t1:latest"]
    assert candidates("user/app:v2") == ["docker.io/user/app:v2", "localhost/user/app:v2"]
    assert candidates("127.0.0.1:5000/x") == ["127.0.0.1:5000/x:latest"]
    assert candidates("sha256:" + "c" * 64) == ["c" * 64]
    assert candidates("1830655053eb")[0] == "1830655053eb"


def test_registry_hosts_and_plain_http_for_loopback() -> None:
    assert registry_host("https://index.docker.io/v1/") == "docker.io"
    assert registry_host("") == "docker.io"
    assert registry_host("http://127.0.0.1:5001") == "127.0.0.1:5001"
    assert is_loopback_registry("127.0.0.1:5000")
    assert is_loopback_registry("127.8.9.1")
    assert is_loopback_registry("localhost:5000")
    assert not is_loopback_registry("quay.io")
    assert not is_loopback_registry("128.0.0.1:5000")
    assert tls_args("localhost:5000") == ["--tls-verify=false"]
    assert tls_args("docker.io") == []
