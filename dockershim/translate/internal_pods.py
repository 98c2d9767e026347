"""The pods this service creates for itself, which no Docker listing shows.

dockerd has no container for either: a build's network (engine/build_network.py) and the
holder of podman 4's rootless network namespace across a disconnect (engine/netns_hold.py).
"""

from __future__ import annotations

from typing import Any

BUILD_POD_PREFIX = "dockershim-build-"
NETNS_HOLD_POD_PREFIX = "dockershim-netns-hold-"
_PREFIXES = (BUILD_POD_PREFIX, NETNS_HOLD_POD_PREFIX)


def is_internal_infra(raw: dict[str, Any]) -> bool:
    """The infra container of one of this service's own pods (podman's inspect JSON)."""
    return bool(raw.get("IsInfra")) and str(raw.get("Name", "")).startswith(_PREFIXES)
