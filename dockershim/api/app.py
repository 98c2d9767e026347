"""The app factory: wiring only (routers, version middleware, error handlers)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from dockershim.api import (
    archive,
    attach,
    build,
    container_update,
    containers,
    containers_lifecycle,
    containers_logs,
    distribution,
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
from dockershim.podman import PodmanRunner

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
    distribution.router,
]


def default_state_dir() -> str:
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return os.path.join(runtime_dir, "dockershim")


def create_app(podman: PodmanRunner | None = None, state_dir: str | None = None) -> FastAPI:
    app = FastAPI(title="dockershim", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.backend = Backend(
        podman=podman or PodmanRunner(),
        state_dir=state_dir or default_state_dir(),
    )
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(ApiVersionMiddleware)
    return app
