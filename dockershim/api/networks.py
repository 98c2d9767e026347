"""Network routes: list, inspect, create, remove, connect, disconnect, prune.

HTTP only: translation in translate/networks.py and translate/network_endpoints.py, podman in
engine/network_ops.py (Docker's view of podman's networks: `podman` is `bridge`, `host` and
`none` are synthesized).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.responses import JSONResponse

from dockershim.api import reads
from dockershim.api.answers import as_response
from dockershim.api.bodies import NetworkConnectBody, NetworkCreateBody, NetworkDisconnectBody
from dockershim.api.deps import EngineDep
from dockershim.api.queries import FiltersJson, named
from dockershim.errors import InvalidParameter
from dockershim.translate.filters import parse_filters
from dockershim.translate.prune import prune_label_matches, until_matches

router = APIRouter()


@router.get("/networks")
async def network_list(engine: EngineDep, filters_json: FiltersJson = None) -> Response:
    return as_response(await reads.network_list(engine, filters_json))


@router.get("/networks/{ref}")
async def network_inspect(
    ref: str,
    engine: EngineDep,
    verbose: Annotated[str | None, Query(description="accepted; no swarm services here")] = None,
    scope_raw: Annotated[str | None, named("scope", "local (default), swarm or global")] = None,
) -> Response:
    return as_response(await reads.network_inspect(engine, ref, scope_raw))


@router.post("/networks/create")
async def network_create(body: NetworkCreateBody, engine: EngineDep) -> JSONResponse:
    ident = await engine.network_ops.create(body)
    return JSONResponse({"Id": ident, "Warning": ""}, status_code=201)


@router.delete("/networks/{ref}")
async def network_delete(ref: str, engine: EngineDep) -> Response:
    await engine.network_ops.remove(await engine.network_ops.resolve(ref))
    return Response(status_code=204)


@router.post("/networks/{ref}/connect")
async def network_connect(ref: str, body: NetworkConnectBody, engine: EngineDep) -> Response:
    await engine.network_ops.connect(await engine.network_ops.resolve(ref), body)
    return Response(status_code=200)


@router.post("/networks/{ref}/disconnect")
async def network_disconnect(ref: str, body: NetworkDisconnectBody, engine: EngineDep) -> Response:
    container = body.get("Container")
    if not isinstance(container, str) or not container or container.startswith("-"):
        raise InvalidParameter("invalid container reference in Container")
    net = await engine.network_ops.resolve(ref)
    await engine.network_ops.disconnect(net, container, force=bool(body.get("Force")))
    return Response(status_code=200)


@router.post("/networks/prune")
async def network_prune(engine: EngineDep, filters_json: FiltersJson = None) -> JSONResponse:
    filters = parse_filters(filters_json, ("until", "label", "label!"))

    def chosen(net: dict[str, Any]) -> bool:
        return prune_label_matches(net["Labels"], filters) and until_matches(
            net["Created"], filters
        )

    return JSONResponse({"NetworksDeleted": await engine.network_ops.prune(chosen)})
