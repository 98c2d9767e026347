from __future__ import annotations

import hashlib
import json

from dockershim.translate import distribution as td


def test_single_manifest_descriptor() -> None:
    body = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:c"}}).encode()
    parsed = td.parse_manifest(body, "application/vnd.oci.image.manifest.v1+json", None)
    assert parsed["Descriptor"] == {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
        "size": len(body),
    }
    assert not td.is_index(parsed) and td.config_digest(parsed) == "sha256:c"
    config = {"architecture": "arm", "os": "linux", "variant": "v7", "rootfs": {}}
    assert td.platform_of_config(config) == {"architecture": "arm", "os": "linux", "variant": "v7"}


def test_index_platforms_and_registry_digest() -> None:
    index = {
        "manifests": [
            {"digest": "sha256:a", "platform": {"architecture": "amd64", "os": "linux"}},
            {
                "digest": "sha256:b",
                "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"},
            },
        ]
    }
    media = "application/vnd.docker.distribution.manifest.list.v2+json"
    parsed = td.parse_manifest(json.dumps(index).encode(), media, "sha256:given")
    assert parsed["Descriptor"]["digest"] == "sha256:given"
    assert td.is_index(parsed)
    assert td.platforms_of_index(parsed) == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "arm64", "os": "linux", "variant": "v8"},
    ]


def test_bearer_challenge() -> None:
    header = (
        'Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"'
    )
    assert td.bearer_challenge(header) == {
        "realm": "https://auth.example/token",
        "service": "registry",
        "scope": "repository:a:pull",
    }
    assert td.bearer_challenge('Basic realm="x"') is None
    assert td.registry_host("docker.io") == "registry-1.docker.io"


def test_the_instance_a_pull_fetches_from_an_index() -> None:
    """A pull's layer sizes come from the index's manifest for the platform: os and
    architecture, the variant when one is asked; none when the index offers no match."""
    index = {
        "manifests": [
            {"digest": "sha256:s390", "platform": {"architecture": "s390x", "os": "linux"}},
            {"digest": "sha256:amd", "platform": {"architecture": "amd64", "os": "linux"}},
            {"platform": {"architecture": "arm64", "os": "linux"}},  # no digest: skipped
            {
                "digest": "sha256:v7",
                "platform": {"architecture": "arm", "os": "linux", "variant": "v7"},
            },
            {
                "digest": "sha256:v6",
                "platform": {"architecture": "arm", "os": "linux", "variant": "v6"},
            },
            {"digest": "sha256:win", "platform": {"architecture": "amd64", "os": "windows"}},
        ]
    }
    parsed = td.parse_manifest(json.dumps(index).encode(), "", None)
    assert td.instance_for(parsed, "linux/amd64") == "sha256:amd"
    assert td.instance_for(parsed, "windows/amd64") == "sha256:win"
    assert td.instance_for(parsed, "linux/arm/v6") == "sha256:v6"
    assert td.instance_for(parsed, "linux/arm") == "sha256:v7"
    assert td.instance_for(parsed, "linux/arm64") is None
    assert td.instance_for(parsed, "linux/riscv64") is None
