"""The reads clients send most, answered without FastAPI: `docker ps`, `docker inspect`,
`docker images`, `docker info`, network and volume lists and inspects.

The routes (containers.py, images.py, networks.py, system.py, volumes.py) declare these
requests for FastAPI and call the functions here; api/fastreads.py calls them without
FastAPI's routing, in the full app and in a cold service before the full app is built
(api/lazyapp.py): a first `docker ps` after an activation then waits for the engine's
reading parts (~15 ms of imports here), not for FastAPI's and every router's (~0.4 s). So
nothing here imports FastAPI, a router or Starlette's responses (~11 ms more): each read
returns an Answer (api/answers.py), which the routes hand FastAPI as a Response.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import socket
import time
from collections.abc import Mapping
from typing import Any

from starlette.types import Scope

from dockershim.api.answers import Answer, json_answer
from dockershim.api.backend import Backend
from dockershim.api.query_values import flag, number
from dockershim.api.versioning import api_version
from dockershim.engine import Engine
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman.facts import static_facts
from dockershim.translate import images as timages
from dockershim.translate import networks as tn
from dockershim.translate import volumes as tv
from dockershim.translate.container_inspect import inspect_body, podman_annotations
from dockershim.translate.container_list import matches, summary, validate_filters
from dockershim.translate.container_logs import parse_timestamp
from dockershim.translate.container_status import parse_time
from dockershim.translate.endpoint_echo import echo_endpoints
from dockershim.translate.filters import parse_filters
from dockershim.translate.internal_pods import is_internal_infra
from dockershim.translate.system import info_body, with_live_counts


async def container_list(
    engine: Engine,
    filters_json: str | None,
    limit_raw: str | None,
    all_raw: str | None,
    size_raw: str | None,
) -> Answer:
    filters = parse_filters(filters_json)
    validate_filters(filters)
    limit = number(limit_raw, "limit", -1) or -1
    show_all = flag(all_raw) or limit > 0
    size = flag(size_raw)
    # before/since may name a stopped container: look at all of them then
    every = show_all or any(filters.get(k) for k in ("status", "exited", "before", "since"))
    raws = await engine.containers.inspect_all_fresh(running_only=not every, size=size)
    now = time.time()
    refs = _reference_times(raws, filters)
    raws.sort(key=lambda r: parse_time(r.get("Created")) or 0.0, reverse=True)
    shown = []
    for raw in raws:
        summ = summary(raw, now)
        hidden = summ["State"] not in ("running", "paused", "restarting")
        if hidden and not show_all and not filters.get("status") and not filters.get("exited"):
            continue
        if is_internal_infra(raw):
            continue  # a build's network or a namespace hold: no container of Docker's
        shown.append((summ, raw))
    # network ids and Docker names first: the `network` filter matches either
    await engine.network_ops.fill_ids([summ for summ, _ in shown])
    out = [summ for summ, raw in shown if matches(summ, raw, filters, refs)]
    if limit > 0:
        out = out[:limit]
    return json_answer(out)


def _reference_times(
    raws: list[Mapping[str, Any]], filters: dict[str, list[str]]
) -> dict[str, float]:
    refs: dict[str, float] = {}
    for value in filters.get("before", []) + filters.get("since", []):
        for raw in raws:
            ident = str(raw.get("Id", ""))
            if value.lstrip("/") == raw.get("Name") or (
                len(value) >= 3 and ident.startswith(value)
            ):
                refs[value] = parse_time(raw.get("Created")) or 0.0
                break
        else:
            raise NotFound(f"No such container: {value}")
    return refs


async def container_inspect(engine: Engine, ref: str, scope: Scope, size_raw: str | None) -> Answer:
    raw = await engine.containers.inspect_fresh(ref, size=flag(size_raw))
    body = inspect_body(raw)
    echo_endpoints(body, podman_annotations(raw), api_version(scope))
    await engine.notes.apply(body)  # links removed, endpoints given at connect
    await engine.network_ops.fill_ids([body])
    return json_answer(body)


async def image_list(
    engine: Engine,
    scope: Scope,
    filters_json: str | None,
    all_raw: str | None,
    shared_size: str | None,
    digests: str | None,
) -> Answer:
    filters = parse_filters(filters_json, timages.IMAGE_FILTERS)
    items = await engine.images.listing(everything=flag(all_raw))
    anchors: dict[str, int] = {}
    for key in ("before", "since"):
        for name in filters.get(key, []):
            data = await engine.image_ops.require(name)
            match = [i for i in items if i["Id"] == data["Id"]]
            anchors[name] = int(match[0]["Created"]) if match else 0
    for value in filters.get("until", []):
        anchors[value] = int(parse_timestamp(value, "until", now=time.time()))
    items = timages.apply_filters(items, filters, anchors)
    version = api_version(scope)
    out = [timages.summary(i, api_version=version) for i in items]
    if flag(shared_size):
        for entry, item in zip(out, items, strict=True):
            entry["SharedSize"] = int(item.get("SharedSize") or 0)
    if "reference" in filters:
        out = [timages.only_matching_tags(e, filters["reference"]) for e in out]
    if not flag(digests, True) and version < (1, 44):
        for entry in out:
            entry.pop("RepoDigests", None)
    out.sort(key=lambda e: e["Created"], reverse=True)
    return json_answer(out)


async def volume_list(engine: Engine, filters_json: str | None) -> Answer:
    filters = parse_filters(filters_json, tv.VOLUME_FILTERS)
    volumes = [tv.volume_to_docker(v) for v in await engine.volumes.listing()]
    dangling = set()
    if "dangling" in filters:
        dangling = {str(v["Name"]) for v in await engine.volumes.dangling()}
    matching = [v for v in volumes if tv.volume_matches(v, filters, dangling)]
    return json_answer({"Volumes": matching, "Warnings": []})


async def image_inspect(engine: Engine, name: str, scope: Scope) -> Answer:
    data = await engine.image_ops.require(name)
    return json_answer(timages.inspect(data, api_version=api_version(scope)))


async def network_list(engine: Engine, filters_json: str | None) -> Answer:
    filters = parse_filters(filters_json)
    nets = await engine.network_ops.listing()
    # dockerd: dangling = no endpoints, and only running containers have endpoints
    in_use = await engine.network_ops.in_use() if "dangling" in filters else set()
    return json_answer([n for n in nets if tn.network_matches(n, filters, in_use)])


async def network_inspect(engine: Engine, ref: str, scope_raw: str | None) -> Answer:
    scope = scope_raw or "local"
    if scope not in ("local", "swarm", "global"):
        raise InvalidParameter(f"invalid scope {scope!r}")
    if scope != "local":
        raise NotFound(f"network {ref} not found")  # every network here is local
    net = await engine.network_ops.resolve(ref)
    if net["Name"] not in ("host", "none"):
        net["Containers"] = await engine.network_ops.endpoints(net)
    return json_answer(net)


async def system_info(backend: Backend) -> Answer:
    taken_now = backend.learned.facts is None
    _, info = await static_facts(backend.podman, backend.learned, backend.state_dir)
    if not (taken_now and backend.learned.facts_from == "podman"):
        # counts change all the time: only a podman info taken for this request has them
        engine = backend.engine
        states, images = await asyncio.gather(
            engine.containers.statuses(), engine.images.listing(everything=True)
        )
        info = with_live_counts(info, states, [str(i.get("Id")) for i in images])
    body = info_body(
        info,
        hostname=socket.gethostname(),
        kernel=os.uname().release,
        system_time=datetime.datetime.now(datetime.UTC).astimezone().isoformat(),
    )
    return json_answer(body)
