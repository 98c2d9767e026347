"""GET /distribution/{name}/json through docker-py, against the local registries."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import docker.errors
import pytest

from tests.conftest import AUTH_REGISTRY, REGISTRY, Cleanup


def _registry_digest(repo: str, tag: str) -> str:
    request = urllib.request.Request(
        f"http://{REGISTRY}/v2/{repo}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(reply.headers["Docker-Content-Digest"])


def test_inspect_distribution_plain_registry(dclient: Any) -> None:
    data = dclient.api.inspect_distribution(f"{REGISTRY}/library/busybox:latest")
    assert data["Descriptor"]["digest"] == _registry_digest("library/busybox", "latest")
    assert data["Descriptor"]["mediaType"].endswith("manifest.v2+json")
    assert data["Descriptor"]["size"] > 0
    assert data["Platforms"] == [{"architecture": "amd64", "os": "linux"}]
    # docker-py's model reads the same answer
    registry_data = dclient.images.get_registry_data(f"{REGISTRY}/library/busybox:latest")
    assert registry_data.id == data["Descriptor"]["digest"]
    assert registry_data.has_platform("linux/amd64")
    with pytest.raises(docker.errors.NotFound):
        dclient.api.inspect_distribution(f"{REGISTRY}/library/no-such-image-here:latest")


def test_inspect_distribution_with_credentials(dclient: Any, cleanup: Cleanup) -> None:
    repo = f"{AUTH_REGISTRY}/{cleanup.name('dst-dist')}"
    cleanup.images.append(f"{repo}:v1")
    dclient.images.get("busybox").tag(repo, "v1")
    auth = {"username": "testuser", "password": "testpassword"}
    pushed = list(dclient.images.push(repo, tag="v1", auth_config=auth, stream=True, decode=True))
    digest = pushed[-1]["aux"]["Digest"]
    with pytest.raises(docker.errors.APIError) as info:
        dclient.api.inspect_distribution(f"{repo}:v1")
    assert info.value.status_code == 401
    data = dclient.api.inspect_distribution(f"{repo}:v1", auth_config=auth)
    assert data["Descriptor"]["digest"] == digest


# Registries under `.invalid` names exist only in this drop-in: podman's registries.conf sends
# them to the loopback registries, so only a shim honouring the file can answer.
_DROP_IN = f"""
[[registry]]
prefix = "dsfid-mirror.invalid"
location = "dsfid-mirror.invalid"
[[registry.mirror]]
location = "{REGISTRY}"
insecure = true

[[registry]]
prefix = "dsfid-ns.invalid/lib"
location = "{REGISTRY}/library"
insecure = true

[[registry]]
prefix = "dsfid-digest.invalid"
location = "{AUTH_REGISTRY}/library"
[[registry.mirror]]
location = "{REGISTRY}/library"
pull-from-mirror = "digest-only"

[[registry]]
prefix = "dsfid-blocked.invalid"
location = "dsfid-blocked.invalid"
blocked = true
"""


@pytest.fixture
def drop_in() -> Iterator[None]:
    """A registries.conf.d drop-in for the test user, removed afterwards."""
    folder = os.path.expanduser("~/.config/containers/registries.conf.d")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "zz-dockershim-distribution-test.conf")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(_DROP_IN)
    try:
        yield
    finally:
        os.unlink(path)


def test_inspect_distribution_follows_registries_conf(
    dclient: Any, drop_in: None, cleanup: Cleanup
) -> None:
    digest = _registry_digest("library/busybox", "latest")
    # docker.io is the loopback registry's in this user's registries.conf (bootstrap.sh)
    for name in ("busybox", "docker.io/library/busybox:latest"):
        assert dclient.api.inspect_distribution(name)["Descriptor"]["digest"] == digest
    for name in ("dsfid-mirror.invalid/library/busybox:latest", "dsfid-ns.invalid/lib/busybox"):
        data = dclient.api.inspect_distribution(name)
        assert data["Descriptor"]["digest"] == digest
        assert data["Platforms"] == [{"architecture": "amd64", "os": "linux"}]
    # a digest-only mirror is skipped for a tag: the location (the auth registry) says 401
    with pytest.raises(docker.errors.APIError) as info:
        dclient.api.inspect_distribution("dsfid-digest.invalid/busybox:latest")
    assert info.value.status_code == 401
    by_digest = dclient.api.inspect_distribution(f"dsfid-digest.invalid/busybox@{digest}")
    assert by_digest["Descriptor"]["digest"] == digest
    with pytest.raises(docker.errors.APIError, match="blocked") as info:
        dclient.api.inspect_distribution("dsfid-blocked.invalid/x:1")
    assert info.value.status_code == 403
    # the same names pull through podman, so both read the file alike
    cleanup.images.append("dsfid-ns.invalid/lib/busybox:latest")
    pulled = dclient.api.pull("dsfid-ns.invalid/lib/busybox", tag="latest")
    assert "error" not in pulled.lower()
