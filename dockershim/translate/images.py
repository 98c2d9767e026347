"""podman image JSON -> Docker's image shapes (summary, inspect, history), and list filters.

Handled: `GET /images/json` summary (Id, ParentId, RepoTags, RepoDigests, Created as unix
seconds, Size, SharedSize, VirtualSize below API 1.44, Labels, Containers -1), filters `dangling`,
`label`, `reference`, `before`, `since`, `until`; `GET /images/{name}/json` (Config with Cmd,
Entrypoint, Env, ExposedPorts, Labels, Healthcheck, User, WorkingDir, Volumes, StopSignal; RootFS,
Architecture, Os, Created RFC 3339); `GET /images/{name}/history`. Names podman keeps as
`localhost/NAME` are shown as `NAME`; `docker.io/library/NAME` as `NAME`, as Docker shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dockershim.translate.filters import Filters, label_matches
from dockershim.translate.references import familiar

IMAGE_FILTERS = ("dangling", "label", "reference", "before", "since", "until")

_CONFIG_KEYS = (
    "User",
    "ExposedPorts",
    "Env",
    "Cmd",
    "Healthcheck",
    "Volumes",
    "WorkingDir",
    "Entrypoint",
    "OnBuild",
    "Labels",
    "StopSignal",
    "Shell",
)


def sha(image_id: str) -> str:
    return image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"


def _tags(names: list[str] | None) -> list[str]:
    return [familiar(n) for n in names or [] if "@" not in n]


def _digests(digests: list[str] | None) -> list[str]:
    seen: list[str] = []
    for d in digests or []:
        f = familiar(d)
        if f not in seen:
            seen.append(f)
    return seen


def is_dangling(item: dict[str, Any]) -> bool:
    return not (item.get("Names") or item.get("RepoTags"))


def summary(item: dict[str, Any], *, api_version: tuple[int, ...] = (1, 55)) -> dict[str, Any]:
    """One entry of `podman images --format json` -> Docker's ImageSummary."""
    tags = _tags(item.get("Names") or item.get("RepoTags"))
    digests = _digests(item.get("RepoDigests"))
    out: dict[str, Any] = {
        "Id": sha(item["Id"]),
        "ParentId": sha(item["ParentId"]) if item.get("ParentId") else "",
        "RepoTags": tags or (["<none>:<none>"] if api_version < (1, 44) else []),
        "RepoDigests": digests or (["<none>@<none>"] if api_version < (1, 44) and not tags else []),
        "Created": int(item.get("Created") or 0),
        "Size": int(item.get("Size") or 0),
        "SharedSize": -1,
        "Labels": item.get("Labels") or {},
        "Containers": -1,  # dockerd's "not counted": only its disk usage counts them
    }
    if api_version < (1, 44):
        out["VirtualSize"] = int(item.get("VirtualSize") or item.get("Size") or 0)
    return out


def _config(data: dict[str, Any]) -> dict[str, Any]:
    src = data.get("Config") or {}
    config: dict[str, Any] = {
        "Hostname": "",
        "Domainname": "",
        "User": "",
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "Tty": False,
        "OpenStdin": False,
        "StdinOnce": False,
        "Env": None,
        "Cmd": None,
        "Image": "",
        "Volumes": None,
        "WorkingDir": "",
        "Entrypoint": None,
        "OnBuild": None,
        "Labels": None,
    }
    for key in _CONFIG_KEYS:
        if key in src:
            config[key] = src[key]
    if data.get("Healthcheck") and "Healthcheck" not in src:
        config["Healthcheck"] = data["Healthcheck"]
    return config


def inspect(data: dict[str, Any], *, api_version: tuple[int, ...] = (1, 55)) -> dict[str, Any]:
    """`podman image inspect` -> Docker's ImageInspect."""
    tags = _tags(data.get("RepoTags"))
    out: dict[str, Any] = {
        "Id": sha(data["Id"]),
        "RepoTags": tags,
        "RepoDigests": _digests(data.get("RepoDigests")),
        "Parent": sha(data["Parent"]) if data.get("Parent") else "",
        "Comment": data.get("Comment") or "",
        "Created": data.get("Created") or "",
        "DockerVersion": data.get("Version") or "",
        "Author": data.get("Author") or "",
        "Config": _config(data),
        "Architecture": data.get("Architecture") or "",
        "Os": data.get("Os") or "",
        "Size": int(data.get("Size") or 0),
        "GraphDriver": {"Name": (data.get("GraphDriver") or {}).get("Name", ""), "Data": {}},
        "RootFS": data.get("RootFS") or {"Type": "layers", "Layers": []},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
    }
    if data.get("Variant"):
        out["Variant"] = data["Variant"]
    if api_version < (1, 44):
        out["VirtualSize"] = int(data.get("VirtualSize") or data.get("Size") or 0)
    if api_version < (1, 45):
        out["Container"] = ""
    # dockerd >= 26 drops ContainerConfig at API 1.45, but docker-compose 1.29 (which negotiates
    # the newest version) reads image_config["ContainerConfig"] when it recreates a container
    # and fails with KeyError without it; an empty config is harmless to other clients.
    out["ContainerConfig"] = _config({})
    return out


@dataclass(frozen=True)
class HistoryLayer:
    """One line of podman's image history, as both its CLI and its service tell it."""

    image_id: str  # the image this layer made, "<missing>" for one made along the way
    created: int  # unix seconds
    created_by: str
    size: int
    comment: str


def layers_from_cli(entries: list[Any]) -> list[HistoryLayer]:
    """`podman history --format json --no-trunc` (ImageHistoryLayer: id, created RFC 3339,
    CreatedBy, size, comment; empty fields left out)."""
    return [
        HistoryLayer(
            image_id=str(e.get("id") or ""),
            created=_unix(e.get("created")),
            created_by=str(e.get("CreatedBy") or ""),
            size=int(e.get("size") or 0),
            comment=str(e.get("comment") or ""),
        )
        for e in entries
        if isinstance(e, dict)
    ]


def layers_from_api(entries: list[Any]) -> list[HistoryLayer]:
    """libpod's `GET /images/{name}/history` (HistoryResponse: Id, Created unix, CreatedBy,
    Size, Comment): the same libimage History the CLI prints."""
    return [
        HistoryLayer(
            image_id=str(e.get("Id") or ""),
            created=int(e.get("Created") or 0),
            created_by=str(e.get("CreatedBy") or ""),
            size=int(e.get("Size") or 0),
            comment=str(e.get("Comment") or ""),
        )
        for e in entries
        if isinstance(e, dict)
    ]


def history(layers: list[HistoryLayer], tags_by_id: dict[str, list[str]]) -> list[dict[str, Any]]:
    """podman's history -> Docker's HistoryResponseItem list (tags on the image's own line)."""
    return [
        {
            "Id": "<missing>" if layer.image_id in ("", "<missing>") else sha(layer.image_id),
            "Created": layer.created,
            "CreatedBy": layer.created_by,
            "Tags": tags_by_id.get(layer.image_id) or None,
            "Size": layer.size,
            "Comment": layer.comment,
        }
        for layer in layers
    ]


def _unix(stamp: Any) -> int:
    if not stamp:
        return 0
    text = str(stamp)
    try:
        main, _, _frac = text.rstrip("Z").partition(".")
        return int(datetime.fromisoformat(main + "+00:00").timestamp())
    except ValueError:
        return 0


def _created(item: dict[str, Any]) -> int:
    return int(item.get("Created") or 0)


def _glob(pattern: str) -> re.Pattern[str]:
    """Go's path.Match as dockerd uses it: `*` and `?` never cross a `/`."""
    out = ""
    for part in re.split(r"(\*|\?)", pattern):
        out += "[^/]*" if part == "*" else "[^/]" if part == "?" else re.escape(part)
    return re.compile(out + r"\Z")


def _tag_matches(name: str, patterns: list[str]) -> bool:
    repo = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    for pattern in patterns:
        target = name if ":" in pattern.rsplit("/", 1)[-1] else repo
        if _glob(pattern).match(target):
            return True
    return False


def _reference_matches(item: dict[str, Any], patterns: list[str]) -> bool:
    return any(_tag_matches(n, patterns) for n in _tags(item.get("Names") or item.get("RepoTags")))


def only_matching_tags(summary_item: dict[str, Any], patterns: list[str]) -> dict[str, Any]:
    """dockerd lists only the tags a `reference` filter matched."""
    tags = [t for t in summary_item["RepoTags"] if _tag_matches(t, patterns)]
    digests = [
        d for d in summary_item.get("RepoDigests") or [] if _tag_matches(d.split("@")[0], patterns)
    ]
    return {**summary_item, "RepoTags": tags, "RepoDigests": digests}


def apply_filters(
    items: list[dict[str, Any]], filters: Filters, anchors: dict[str, int]
) -> list[dict[str, Any]]:
    """Docker's image list filters over podman's summaries. `anchors` maps the values given in
    `before`/`since` (names/IDs) and `until` (times) to unix seconds (resolved by the caller)."""
    out = []
    for item in items:
        if "dangling" in filters:
            want = filters["dangling"][-1].lower() in ("1", "true")
            if is_dangling(item) != want:
                continue
        if "label" in filters and not all(
            label_matches(item.get("Labels"), w) for w in filters["label"]
        ):
            continue
        if "reference" in filters and not _reference_matches(item, filters["reference"]):
            continue
        if "before" in filters and not all(_created(item) < anchors[b] for b in filters["before"]):
            continue
        if "since" in filters and not all(_created(item) > anchors[s] for s in filters["since"]):
            continue
        if "until" in filters and not all(_created(item) < anchors[u] for u in filters["until"]):
            continue
        out.append(item)
    return out
