"""Network routes: list, inspect, create, remove, connect, disconnect, prune.

Docker's view of podman's networks (see translate/networks.py): `podman` is `bridge`, `host`
and `none` are synthesized. Containers in inspect are the running ones, as dockerd only has
endpoints for running containers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from dockershim.api.deps import PodmanDep, json_body
from dockershim.engine import engine_for
from dockershim.errors import Conflict, DockerError, Forbidden, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.translate import network_endpoints as te
from dockershim.translate import networks as tn
from dockershim.translate.filters import parse_filters
from dockershim.translate.links import link_env
from dockershim.translate.prune import prune_label_matches, until_matches

router = APIRouter()


async def _podman_networks(podman: PodmanRunner) -> list[dict[str, Any]]:
    return await engine_for(podman).networks.listing()


async def _containers(podman: PodmanRunner, *, all_: bool) -> list[dict[str, Any]]:
    """Containers as `podman ps` JSON would list them: Id, State, Networks (podman names)."""
    attached = await engine_for(podman).containers.on_networks(running_only=not all_)
    return [{"Id": c.id, "State": c.status, "Networks": nets} for c, nets in attached]


def _networks_of(containers: list[dict[str, Any]]) -> set[str]:
    """Docker names of networks some container is attached to."""
    return {tn.to_docker_name(n) for c in containers for n in c.get("Networks") or []}


async def _inspect_podman(podman: PodmanRunner, ref: str) -> dict[str, Any]:
    tn.validate_ref(ref)
    net = await engine_for(podman).networks.find(tn.to_podman_name(ref))
    if net is None:
        raise NotFound(f"network {ref} not found")
    return net


async def _endpoints(podman: PodmanRunner, net: dict[str, Any]) -> dict[str, Any]:
    name = tn.to_podman_name(net["Name"])
    running = await _containers(podman, all_=False)
    ids = [str(c["Id"]) for c in running if name in c["Networks"]]
    if not ids:
        return {}
    inspected = await engine_for(podman).containers.inspect_many(ids)
    return te.endpoints(net, inspected)


async def resolve_network(podman: PodmanRunner, ref: str) -> dict[str, Any]:
    """A network reference (name, id, id prefix) in Docker's inspect shape, without Containers."""
    builtin = tn.builtin_by_ref(ref)
    if builtin is not None:
        return builtin
    return tn.network_to_docker(await _inspect_podman(podman, ref))


@router.get("/networks")
async def network_list(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"))
    nets = [tn.network_to_docker(n) for n in await _podman_networks(podman)]
    nets += [tn.builtin_network("host"), tn.builtin_network("none")]
    # dockerd: dangling = no endpoints, and only running containers have endpoints
    in_use = _networks_of(await _containers(podman, all_=False)) if "dangling" in filters else set()
    return JSONResponse([n for n in nets if tn.network_matches(n, filters, in_use)])


@router.get("/networks/{ref}")
async def network_inspect(ref: str, request: Request, podman: PodmanDep) -> JSONResponse:
    scope = request.query_params.get("scope") or "local"
    if scope not in ("local", "swarm", "global"):
        raise InvalidParameter(f"invalid scope {scope!r}")
    if scope != "local":
        raise NotFound(f"network {ref} not found")  # every network here is local
    net = await resolve_network(podman, ref)
    if net["Name"] not in ("host", "none"):
        net["Containers"] = await _endpoints(podman, net)
    return JSONResponse(net)


@router.post("/networks/create")
async def network_create(request: Request, podman: PodmanDep) -> JSONResponse:
    body = await json_body(request, required=True)
    argv = tn.create_argv(body)
    name = argv[-1]
    try:
        await podman.run(argv)
    except Conflict:
        raise Conflict(f"network with name {name} already exists") from None
    except DockerError as exc:
        if "already used" in exc.message or "is already used" in exc.message:
            raise Forbidden(
                f"Pool overlaps with other one on this address space: {exc.message}"
            ) from None
        raise
    net = await _inspect_podman(podman, name)
    return JSONResponse({"Id": net["id"], "Warning": ""}, status_code=201)


async def _remove(podman: PodmanRunner, net: dict[str, Any]) -> None:
    """Remove a network as dockerd does: refused while a running container uses it; stopped
    containers are disconnected first (dockerd keeps no endpoints for them)."""
    podman_name = tn.to_podman_name(net["Name"])
    attached = [c for c in await _containers(podman, all_=True) if podman_name in c["Networks"]]
    running = [c for c in attached if c.get("State") == "running"]
    if running:
        raise Forbidden(
            f"error while removing network: network {net['Name']} id {net['Id']} "
            "has active endpoints"
        )
    for ctr in attached:
        await podman.run(
            ["network", "disconnect", "--force", "--", podman_name, str(ctr["Id"])], check=False
        )
    await podman.run(["network", "rm", "--", podman_name])


@router.delete("/networks/{ref}")
async def network_delete(ref: str, podman: PodmanDep) -> Response:
    net = await resolve_network(podman, ref)
    if net["Name"] in tn.BUILTIN:
        raise Forbidden(f"{net['Name']} is a pre-defined network and cannot be removed")
    await _remove(podman, net)
    return Response(status_code=204)


@router.post("/networks/{ref}/connect")
async def network_connect(ref: str, request: Request, podman: PodmanDep) -> Response:
    body = await json_body(request, required=True)
    net = await resolve_network(podman, ref)
    if net["Name"] in ("host", "none"):
        raise Forbidden(
            f"container cannot be disconnected from host network or connected to {net['Name']} "
            "network"
        )
    argv = te.connect_argv(net["Name"], body)
    config = body.get("EndpointConfig") or {}
    for link in config.get("Links") or []:
        target = str(link).split(":", 1)[0]
        await _require_container(podman, target)
    try:
        await podman.run(argv)
    except DockerError as exc:
        if "is already connected" in exc.message:
            raise Forbidden(
                f"endpoint with name {body['Container']} already exists in network {net['Name']}"
            ) from None
        if "invalid network mode" in exc.message:
            raise InvalidParameter(
                f"container {body['Container']} does not use a bridge network ({exc.message}); "
                "only containers on bridge networks can be connected to more networks"
            ) from None
        raise
    return Response(status_code=200)


async def _require_container(podman: PodmanRunner, ref: str) -> None:
    if not ref or ref.startswith("-"):
        raise InvalidParameter(f"invalid link {ref!r}")
    result = await podman.run(["container", "exists", "--", ref.lstrip("/")], check=False)
    if result.returncode != 0:
        raise NotFound(f"Could not get container for {ref}")


@router.post("/networks/{ref}/disconnect")
async def network_disconnect(ref: str, request: Request, podman: PodmanDep) -> Response:
    body = await json_body(request, required=True)
    container = body.get("Container")
    if not isinstance(container, str) or not container or container.startswith("-"):
        raise InvalidParameter("invalid container reference in Container")
    net = await resolve_network(podman, ref)
    if net["Name"] in ("host", "none"):
        raise Forbidden(
            f"container cannot be disconnected from host network or connected to {net['Name']} "
            "network"
        )
    argv = ["network", "disconnect"]
    if body.get("Force"):
        argv.append("--force")
    try:
        await podman.run([*argv, "--", tn.to_podman_name(net["Name"]), container])
    except DockerError as exc:
        if "is not connected" in exc.message:
            raise Forbidden(
                f"container {container} is not connected to network {net['Name']}"
            ) from None
        raise
    return Response(status_code=200)


@router.post("/networks/prune")
async def network_prune(request: Request, podman: PodmanDep) -> JSONResponse:
    filters = parse_filters(request.query_params.get("filters"), ("until", "label", "label!"))
    running = _networks_of(await _containers(podman, all_=False))
    deleted: list[str] = []
    for raw in await _podman_networks(podman):
        net = tn.network_to_docker(raw)
        if net["Name"] in tn.BUILTIN or net["Name"] in running:
            continue
        if not prune_label_matches(net["Labels"], filters) or not until_matches(
            net["Created"], filters
        ):
            continue
        try:
            await _remove(podman, net)
        except DockerError:
            continue  # became busy meanwhile: dockerd skips it too
        deleted.append(net["Name"])
    return JSONResponse({"NetworksDeleted": deleted})


async def link_host_args(
    podman: PodmanRunner, links: list[str], networks: list[str], parent: str | None = None
) -> list[str]:
    """HostConfig.Links for `podman create`: `--add-host alias:ip` entries for the targets and
    the link environment variables dockerd sets (translate/links.py).

    For container create (api/containers.py): a missing target is 404 as on dockerd ("could not
    get container for X"); a target that is not running gets no entry and no address variables.
    """
    parsed = [te.parse_link(link) for link in links]
    addresses: dict[str, list[str]] = {}
    env: list[str] = []
    for target, alias in parsed:
        result = await podman.run(["container", "inspect", "--", target], check=False)
        data = result.json() if result.returncode == 0 else None
        if not data:
            raise NotFound(f"could not get container for {target}")
        addresses[target] = te.preferred_addresses(data[0], networks)
        ip = addresses[target][0] if addresses[target] else ""
        for entry in link_env(parent, alias, data[0], ip):
            env += ["--env", entry]
    return te.link_host_args(links, addresses, networks) + env


async def links_for_create(
    podman: PodmanRunner, body: dict[str, Any], name: str | None = None
) -> list[str]:
    """The `--add-host` and `--env` argv for a create body's HostConfig.Links (which stay in
    the body, to be shown back by inspect)."""
    host = body.get("HostConfig")
    if not isinstance(host, dict) or not host.get("Links"):
        return []
    links = host["Links"]
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise InvalidParameter("invalid value for HostConfig.Links: expected a list of strings")
    networking = body.get("NetworkingConfig") or {}
    endpoints = networking.get("EndpointsConfig") if isinstance(networking, dict) else None
    names = [str(host.get("NetworkMode") or "bridge"), *(endpoints or {})]
    return await link_host_args(podman, links, names, name)


async def fill_network_ids(podman: PodmanRunner, bodies: list[dict[str, Any]]) -> None:
    """NetworkSettings.Networks[*].NetworkID as the network's id (podman puts the name there);
    Compose v2 compares it with the network's id and recreates containers when it differs."""
    settings = [
        s
        for body in bodies
        for s in ((body.get("NetworkSettings") or {}).get("Networks") or {}).values()
        if isinstance(s, dict)
    ]
    if not settings:
        return
    nets = await _podman_networks(podman)
    ids = {n["name"]: n["id"] for n in nets}
    ids.update({tn.to_docker_name(n["name"]): n["id"] for n in nets})
    for entry in settings:
        current = str(entry.get("NetworkID") or "")
        entry["NetworkID"] = ids.get(current, current)
