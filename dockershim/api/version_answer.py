"""`GET /version`'s answer: one renderer for the lean start (lazyapp.py, before FastAPI is
imported) and the full app (system.py), so both say the same."""

from __future__ import annotations

import os
from typing import Any

from dockershim.api.versioning import API_VERSION, MIN_API_VERSION
from dockershim.podman.facts import Learned, static_facts
from dockershim.podman.runner import PodmanRunner
from dockershim.translate.system import version_body


async def version_content(
    podman: PodmanRunner, learned: Learned, state_dir: str | None
) -> dict[str, Any]:
    version, info = await static_facts(podman, learned, state_dir)
    return version_body(
        version,
        info,
        api_version=API_VERSION,
        min_api_version=MIN_API_VERSION,
        kernel=os.uname().release,
    )
