"""POST /containers/{id}/update: resources through `podman update`, restart policy patched.

See translate/update.py for the fields. On hosts where rootless podman cannot change cgroup
limits (cgroups v1, or a container that is not running), dockerd's behaviour on a kernel without
the controllers is followed: 200 with one `Warnings` entry per discarded limit. A new
RestartPolicy is given to the container by engine/restart_policy.py (same container id).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.containers_support import inspect_container
from dockershim.api.deps import BackendDep, json_body
from dockershim.engine.restart_policy import set_restart_policy
from dockershim.errors import Conflict
from dockershim.podman.errors import classify
from dockershim.translate.update import cgroup_warnings, restart_change, update_flags

router = APIRouter()

_CGROUP_FAILURES = ("cgroup", "runc update", "crun update", "container does not exist")


@router.post("/containers/{id}/update")
async def container_update(id: str, request: Request, backend: BackendDep) -> JSONResponse:
    body = await json_body(request)
    data = await inspect_container(backend.podman, id)
    flags, fields = update_flags(body)
    host = data.get("HostConfig") or {}
    container_id = str(data["Id"])
    try:
        restart = restart_change(body, host.get("RestartPolicy"), bool(host.get("AutoRemove")))
    except Conflict as exc:  # dockerd words its UpdateContainer errors so
        raise Conflict(f"Cannot update container {container_id}: {exc.message}") from None
    warnings: list[str] = []
    if flags:
        result = await backend.podman.run(["update", *flags, "--", container_id], check=False)
        if result.returncode != 0:
            if any(text in result.err_text for text in _CGROUP_FAILURES):
                warnings = cgroup_warnings(fields)
            else:
                raise classify(result.err_text, result.returncode)
    if restart is not None:
        await set_restart_policy(
            backend.podman, backend.cache, container_id, *restart, state_dir=backend.state_dir
        )
    return JSONResponse({"Warnings": warnings})
