"""GET /distribution/{name}/json: a remote image's manifest descriptor and platforms.

Asked of the registry directly over its HTTP API (podman 4.3 shows a remote manifest only
re-indented, which loses its digest), where podman's pull would ask (engine/registry_http.py).
Credentials come from `X-Registry-Auth`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.authfile import basic_credentials
from dockershim.api.deps import EngineDep
from dockershim.engine import registry_http
from dockershim.errors import Forbidden
from dockershim.translate import distribution as td
from dockershim.translate.references import parse_reference
from dockershim.translate.registries_conf import RegistryBlocked

router = APIRouter()


async def _describe(registry: registry_http.Registry, where: str, name: str) -> dict[str, Any]:
    parsed = await registry.manifest(where, name)
    platforms: list[dict[str, Any]] = []
    if td.is_index(parsed):
        platforms = td.platforms_of_index(parsed)
    elif (digest := td.config_digest(parsed)) is not None:
        blob = await registry.get(f"blobs/{digest}")
        registry_http.raise_for(blob, name)
        platforms = [td.platform_of_config(blob.json())]
    return {"Descriptor": parsed["Descriptor"], "Platforms": platforms}


@router.get("/distribution/{name:path}/json")
async def distribution_inspect(name: str, request: Request, engine: EngineDep) -> JSONResponse:
    ref = parse_reference(name)
    where = ref.digest or ref.tag or "latest"
    given = basic_credentials(request.headers.get("X-Registry-Auth"), ref.registry)
    try:
        found = await engine.registry_api.ask(
            ref, given, lambda registry: _describe(registry, where, name)
        )
    except RegistryBlocked as exc:
        raise Forbidden(str(exc)) from None
    return JSONResponse(found)
