"""GET /distribution/{name}/json through docker-py, against the local registries."""

from __future__ import annotations

import urllib.request
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
