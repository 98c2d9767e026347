"""`GET /version`'s answer: one renderer for the lean start (lazyapp.py, before FastAPI is
imported) and the full app (system.py), so both say the same."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from dockershim.api.versioning import API_VERSION, MIN_API_VERSION
from dockershim.podman.facts import static_facts
from dockershim.podman.runner import PodmanRunner
from dockershim.translate.system import version_body


async def version_content(
    podman: PodmanRunner, cache: MutableMapping[str, Any], state_dir: str | None
) -> dict[str, Any]:
    version, info = await static_facts(podman, cache, state_dir)
    return version_body(
        version,
        info,
        api_version=API_VERSION,
        min_api_version=MIN_API_VERSION,
        kernel=os.uname().release,
    )
