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
