"""podman's registries.conf (containers-registries.conf(5), v2 format): where a pull of an image
reference really goes (pure; the files are read by engine/registries.py).

Handled, as containers/image does for pulls: `[[registry]]` `prefix` (default: `location`;
`*.domain` wildcards), `location`, `insecure`, `blocked`, `mirror-by-digest-only`, and
`[[registry.mirror]]` `location`, `insecure`, `pull-from-mirror` (`all`, `digest-only`,
`tag-only`); the longest matching prefix wins; mirrors are tried in order, then the location.
Drop-in files (registries.conf.d) replace a registry entry with the same prefix and add new
ones. v1 files' `[registries.insecure]` and `[registries.block]` lists are read too.
`unqualified-search-registries` and short-name `[aliases]` never apply here: dockershim gives
podman fully qualified names (`busybox` is Docker's `docker.io/library/busybox`), so a short
name means what it means to dockerd.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from dockershim.translate.references import Reference, is_loopback_registry


@dataclass(frozen=True)
class Source:
    """One place to ask for an image: registry host, repository path there, plain-HTTP ok."""

    host: str
    path: str
    insecure: bool


class RegistryBlocked(Exception):
    pass


def parse(text: str) -> dict[str, Any]:
    """One registries.conf file's TOML; {} when it is not TOML (podman would refuse it)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = [r for r in data.get("registry") or [] if isinstance(r, dict)]
    legacy = data.get("registries")
    if isinstance(legacy, dict):  # v1
        for key, flag in (("insecure", "insecure"), ("block", "blocked")):
            table = legacy.get(key)
            hosts = table.get("registries") if isinstance(table, dict) else None
            for host in hosts or []:
                out.append({"location": str(host), flag: True})
    return out


def _prefix(entry: dict[str, Any]) -> str:
    return str(entry.get("prefix") or entry.get("location") or "")


def merge(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The registry entries of the main file and its drop-ins, in reading order."""
    merged: dict[str, dict[str, Any]] = {}
    for data in files:
        for entry in _entries(data):
            prefix = _prefix(entry)
            if prefix:
                merged.pop(prefix, None)
                merged[prefix] = entry
    return list(merged.values())


def _match(name: str, prefix: str) -> int:
    """Length of `prefix` when it covers `name` (containers/image's rule), else -1."""
    if prefix.startswith("*."):
        host = name.split("/", 1)[0]
        return len(prefix) if host.endswith(prefix[1:]) else -1
    if name == prefix:
        return len(prefix)
    if name.startswith(prefix) and name[len(prefix)] in "/:@":
        return len(prefix)
    return -1


def find(entries: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    best: tuple[int, dict[str, Any] | None] = (-1, None)
    for entry in entries:
        length = _match(name, _prefix(entry))
        if length > best[0]:
            best = (length, entry)
    return best[1]


def _rewrite(location: str, prefix: str, ref: Reference) -> tuple[str, str]:
    """(host, repository path) of `ref` with `prefix` replaced by `location`."""
    if not location or prefix.startswith("*."):
        return ref.registry, ref.path
    full = ref.full()
    rewritten = location + full[len(prefix) :]
    tail = full[len(ref.repository) :]  # ":tag", "@digest"
    if tail and rewritten.endswith(tail):
        rewritten = rewritten[: -len(tail)]
    host, _, path = rewritten.partition("/")
    return host, path


def sources(entries: list[dict[str, Any]], ref: Reference) -> list[Source]:
    """Where to ask for `ref`, in order. RegistryBlocked when the registry is blocked."""
    entry = find(entries, ref.full())
    if entry is None:
        return [Source(ref.registry, ref.path, is_loopback_registry(ref.registry))]
    prefix = _prefix(entry)
    if entry.get("blocked"):
        raise RegistryBlocked(f"registry {ref.registry} is blocked in registries.conf")
    digested = ref.digest is not None
    out: list[Source] = []
    for mirror in entry.get("mirror") or []:
        if not isinstance(mirror, dict) or not mirror.get("location"):
            continue
        mode = str(mirror.get("pull-from-mirror") or "all")
        if entry.get("mirror-by-digest-only"):
            mode = "digest-only"
        if (mode == "digest-only" and not digested) or (mode == "tag-only" and digested):
            continue
        host, path = _rewrite(str(mirror["location"]), prefix, ref)
        out.append(Source(host, path, bool(mirror.get("insecure")) or is_loopback_registry(host)))
    host, path = _rewrite(str(entry.get("location") or ""), prefix, ref)
    out.append(Source(host, path, bool(entry.get("insecure")) or is_loopback_registry(host)))
    return out
