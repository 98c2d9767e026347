"""POST /containers/{id}/update. HTTP only: the fields are translate/update.py's, the change
engine/updates.py's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.deps import EngineDep, json_body

router = APIRouter()


@router.post("/containers/{id}/update")
async def container_update(id: str, request: Request, engine: EngineDep) -> JSONResponse:
    body = await json_body(request)
    inspected = await engine.containers.inspect(id)
    return JSONResponse({"Warnings": await engine.updates.update(inspected, body)})
