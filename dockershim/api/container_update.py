"""POST /containers/{id}/update. HTTP only: the fields are translate/update.py's, the change
engine/updates.py's."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from dockershim.api.bodies import ContainerUpdateBody
from dockershim.api.deps import EngineDep

router = APIRouter()


@router.post("/containers/{ref}/update")
async def container_update(ref: str, body: ContainerUpdateBody, engine: EngineDep) -> JSONResponse:
    inspected = await engine.containers.inspect(ref)
    return JSONResponse({"Warnings": await engine.updates.update(inspected, body)})
