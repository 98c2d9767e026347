"""`GET /distribution/{name}/json` (pure part): a registry's manifest -> Docker's answer.

The answer is `{"Descriptor": {mediaType, digest, size}, "Platforms": [...]}`: the descriptor of
the manifest (or index) the tag names, as the registry sent it (the digest is the registry's
`Docker-Content-Digest`, or the sha256 of the exact bytes), and the platforms it offers: each
entry of an index, or a single image's config (architecture, os, variant).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from dockershim.errors import DockerError

ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
_INDEXES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_PLATFORM_KEYS = ("architecture", "os", "os.version", "os.features", "variant", "features")


def registry_host(registry: str) -> str:
    """Where dockerd sends API calls for a registry name (Docker Hub's API host differs)."""
    return "registry-1.docker.io" if registry == "docker.io" else registry


def parse_manifest(body: bytes, media_type: str, digest: str | None) -> dict[str, Any]:
    try:
        manifest = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DockerError("the registry sent a manifest that is not JSON") from None
    if not isinstance(manifest, dict):
        raise DockerError("the registry sent a manifest that is not a JSON object")
    media_type = media_type.split(";")[0].strip() or str(manifest.get("mediaType") or "")
    return {
        "manifest": manifest,
        "Descriptor": {
            "mediaType": media_type,
            "digest": digest or "sha256:" + hashlib.sha256(body).hexdigest(),
            "size": len(body),
        },
    }


def is_index(parsed: dict[str, Any]) -> bool:
    return parsed["Descriptor"]["mediaType"] in _INDEXES or "manifests" in parsed["manifest"]


def config_digest(parsed: dict[str, Any]) -> str | None:
    config = parsed["manifest"].get("config")
    return str(config["digest"]) if isinstance(config, dict) and config.get("digest") else None


def platforms_of_index(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for entry in parsed["manifest"].get("manifests") or []:
        platform = entry.get("platform") if isinstance(entry, dict) else None
        if isinstance(platform, dict):
            out.append({k: platform[k] for k in _PLATFORM_KEYS if k in platform})
    return out


def platform_of_config(config: dict[str, Any]) -> dict[str, Any]:
    return {k: config[k] for k in _PLATFORM_KEYS if k in config}


def bearer_challenge(header: str) -> dict[str, str] | None:
    """`WWW-Authenticate: Bearer realm="...",service="...",scope="..."` -> its parameters."""
    if not header.lower().startswith("bearer "):
        return None
    return dict(re.findall(r'(\w+)="([^"]*)"', header[7:]))


def instance_for(parsed: dict[str, Any], platform: str) -> str | None:
    """The digest of an index's manifest for `platform` ("os/arch[/variant]"), as a pull
    chooses it: the first entry whose os and architecture match, its variant too when one
    is asked for; None when the index has none."""
    wanted_os, _, rest = platform.partition("/")
    arch, _, variant = rest.partition("/")
    for entry in parsed["manifest"].get("manifests") or []:
        if not isinstance(entry, dict) or not entry.get("digest"):
            continue
        offered = entry.get("platform")
        if not isinstance(offered, dict):
            continue
        if offered.get("os") != wanted_os or offered.get("architecture") != arch:
            continue
        if variant and offered.get("variant") not in (None, variant):
            continue
        return str(entry["digest"])
    return None
