"""Image archives and snapshots: GET /images/{name}/get, GET /images/get, POST /images/load,
POST /commit, GET /images/search (issue 5)."""

from __future__ import annotations

import asyncio
import bz2
import contextlib
import gzip
import lzma
import os
import tarfile
import tempfile
from collections.abc import AsyncGenerator
from types import ModuleType
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from dockershim.api import diskbudget
from dockershim.api.bodies import ContainerConfigBody
from dockershim.api.childstream import ChildStream
from dockershim.api.deps import EngineDep
from dockershim.api.jsonstream import stream_response
from dockershim.api.queries import BOOL_DOC, INT_DOC, FiltersJson, Text, flag, named, number
from dockershim.engine import Engine
from dockershim.engine.child import output_chunks
from dockershim.engine.image_archives import ImageChanges
from dockershim.errors import DockerError, InvalidParameter
from dockershim.translate.filters import parse_filters
from dockershim.translate.references import familiar, local_name, parse_reference

router = APIRouter()
_CHUNK = 256 * 1024


async def _save(engine: Engine, names: list[str]) -> Response:
    sources: list[str] = []
    for name in names:
        data = await engine.image_ops.require(name)
        sources.append(local_name(data, name))
    child = await engine.image_archives.save(sources)
    return ChildStream(child.close, output_chunks(child, _CHUNK), what="image save")


@router.get("/images/get")
async def image_get_all(
    engine: EngineDep,
    names_raw: Annotated[list[str] | None, named("names", "image names or ids")] = None,
) -> Response:
    names = names_raw or []
    if not names:
        raise InvalidParameter("names is required")
    return await _save(engine, names)


@router.get("/images/{name:path}/get")
async def image_get(name: str, engine: EngineDep) -> Response:
    return await _save(engine, [name])


@router.post("/images/load")
async def image_load(
    request: Request,
    engine: EngineDep,
    quiet: Annotated[str | None, Query(description="accepted; a load shows no bars here")] = None,
) -> Response:
    # `quiet` only drops progress bars in dockerd; a load has none here.
    fd, path = tempfile.mkstemp(prefix="load-", suffix=".tar")
    try:
        limit = diskbudget.budget(diskbudget.directory_of(path))
        written = 0
        with os.fdopen(fd, "wb") as handle:
            async for chunk in request.stream():
                written += len(chunk)
                diskbudget.check(written, limit, "the image archive")
                handle.write(chunk)
        failure: str | None = None
        names: list[str] = []
        if os.path.getsize(path) == 0:
            failure = "unexpected EOF"
        else:
            await asyncio.to_thread(_decompress_in_place, path)
            if not await asyncio.to_thread(tarfile.is_tarfile, path):
                failure = "archive/tar: invalid tar header"  # Go's tar reader, in dockerd
            else:
                names, failure = await engine.image_archives.load(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        if failure is not None:
            # dockerd answers 200 and reports a failed load in the stream
            raise DockerError(failure)
        for name in names:
            if name.startswith("sha256:") or len(name) == 64:
                text = f"Loaded image ID: sha256:{name.removeprefix('sha256:')}\n"
            else:
                text = f"Loaded image: {familiar(name)}\n"
            yield {"stream": text}

    return stream_response(body())


_COMPRESSIONS: dict[bytes, ModuleType] = {b"\x1f\x8b": gzip, b"BZh": bz2, b"\xfd7zXZ\x00": lzma}


def _decompress_in_place(path: str) -> None:
    """`docker load` accepts gzip, bzip2 and xz archives; podman 4.3 only plain tar."""
    with open(path, "rb") as handle:
        magic = handle.read(6)
    for prefix, module in _COMPRESSIONS.items():
        if magic.startswith(prefix):
            plain = path + ".tar"
            limit = diskbudget.budget(diskbudget.directory_of(path))
            try:
                with module.open(path, "rb") as src, open(plain, "wb") as dst:
                    diskbudget.copy_capped(src, dst, limit, "the decompressed image archive")
            except BaseException as exc:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(plain)
                if isinstance(exc, (OSError, EOFError, lzma.LZMAError)):
                    raise InvalidParameter(f"invalid compressed archive: {exc}") from None
                raise
            os.replace(plain, path)
            return


@router.post("/commit", status_code=201)
async def image_commit(
    config: ContainerConfigBody,
    engine: EngineDep,
    container_raw: Annotated[str | None, named("container", "the container to commit")] = None,
    repo: Text = None,
    tag: Text = None,
    comment: Text = None,
    author: Text = None,
    pause_raw: Annotated[str | None, named("pause", BOOL_DOC + " (default true)")] = None,
    changes: Annotated[list[str] | None, Query(description="Dockerfile instructions")] = None,
) -> JSONResponse:
    container = container_raw or ""
    if not container:
        raise InvalidParameter("container is required")
    target = parse_reference(f"{repo}:{tag}" if tag else repo).full() if repo else None
    # Docker pauses by default (the CLI and docker-py send pause=1)
    image_id = await engine.image_archives.commit(
        container,
        target,
        config,
        ImageChanges(tuple(changes or []), comment),
        author=author,
        pause=flag(pause_raw, True),
    )
    return JSONResponse({"Id": image_id}, status_code=201)


@router.get("/images/search")
async def image_search(
    engine: EngineDep,
    term_raw: Annotated[str | None, named("term", "what to search for")] = None,
    limit_raw: Annotated[str | None, named("limit", INT_DOC + " (default 25)")] = None,
    filters_json: FiltersJson = None,
) -> JSONResponse:
    term = term_raw or ""
    if not term:
        raise InvalidParameter("term is required")
    filters = parse_filters(filters_json, ("is-official", "stars", "is-automated"))
    limit = number(limit_raw, "limit", 25) or 25
    items = await engine.transfer.search(term, limit, filters)
    out = [
        {
            "name": familiar(str(i.get("Name", ""))),
            "description": i.get("Description", ""),
            "star_count": int(i.get("Stars") or 0),
            "is_official": bool(i.get("Official")),
            "is_automated": bool(i.get("Automated")),
        }
        for i in items
    ]
    return JSONResponse(out)
