"""The app factory: wiring only (routers, version middleware, error handlers)."""

from __future__ import annotations

import asyncio

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
from dockershim.api.backend import Backend, open_backend
from dockershim.api.errors import install_error_handlers
from dockershim.api.fastreads import FastReads
from dockershim.api.versioning import ApiVersionMiddleware
from dockershim.podman import PodmanRunner
from dockershim.podman.facts import Learned
from dockershim.podman.service_child import PodmanService
from dockershim.statefile import default_state_dir

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


def create_app(
    podman: PodmanRunner | None = None,
    state_dir: str | None = None,
    learned: Learned | None = None,
    service: PodmanService | None = None,
    hold_ahead: asyncio.Future[str | None] | None = None,
    backend: Backend | None = None,
) -> FastAPI:
    """The full API, around `backend` (the one api/lazyapp.py opened for a cold service's
    first reads, with what its quick /version learned, the podman service child it began
    starting and the keeper pod of podman's network namespace it began for a cold first
    create), or around a Backend opened here from the other arguments."""
    app = FastAPI(title="dockershim", docs_url=None, redoc_url=None, openapi_url=None)
    if backend is None:
        backend = open_backend(
            podman or PodmanRunner(),
            state_dir or default_state_dir(),
            learned=learned,
            service=service,
            hold_ahead=hold_ahead,
        )
    app.state.backend = backend
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(FastReads, backend=backend)  # inside the version middleware
    app.add_middleware(ApiVersionMiddleware)
    return app
