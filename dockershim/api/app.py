"""The app factory: wiring only (routers, version middleware, error handlers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI

from dockershim.api import (
    archive,
    attach,
    build,
    container_update,
    containers,
    containers_lifecycle,
    containers_logs,
    events,
    exec,
    imagearchive,
    images,
    networks,
    pull,
    push,
    stats,
    swarm,
    system,
    system_df,
    volumes,
)
from dockershim.api.deps import Backend
from dockershim.api.errors import install_error_handlers
from dockershim.api.versioning import ApiVersionMiddleware
from dockershim.podman import PodmanRunner, restart_backup

# Order matters only where paths overlap: specific container sub-resources before generic ones.
ROUTERS = [
    system.router,
    attach.router,
    archive.router,
    stats.router,
    container_update.router,
    containers.router,
    containers_lifecycle.router,
    containers_logs.router,
    exec.router,
    images.router,
    pull.router,
    push.router,
    imagearchive.router,
    build.router,
    networks.router,
    volumes.router,
    events.router,
    swarm.router,
    system_df.router,
]


def default_state_dir() -> str:
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return os.path.join(runtime_dir, "dockershim")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # a restart-policy patch the last run could not confirm is undone before any request
    await asyncio.to_thread(restart_backup.recover, app.state.backend.state_dir)
    yield


def create_app(podman: PodmanRunner | None = None, state_dir: str | None = None) -> FastAPI:
    app = FastAPI(
        title="dockershim", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.state.backend = Backend(
        podman=podman or PodmanRunner(),
        state_dir=state_dir or default_state_dir(),
    )
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(ApiVersionMiddleware)
    return app
