"""docker cp and friends: HEAD/GET/PUT /containers/{id}/archive, export, changes.

The podman side is the engine's (engine/archive.py); here: the query, the stat header, the
entry names Docker's CLI expects, and the upload's disk budget (api/diskbudget.py; the upload
is streamed, never kept whole here). PUT: `copyUIDGID=1` keeps the archive's owners (otherwise
podman chowns to the container's user); `noOverwriteDirNonDir=0` lets a directory replace a
file and back.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from dockershim.api import diskbudget
from dockershim.api.childstream import ChildStream
from dockershim.api.deps import EngineDep
from dockershim.api.queries import Flag, flag
from dockershim.engine.archive import WriteOptions
from dockershim.engine.archive_tar import rebase_archive
from dockershim.engine.containers import check_ref
from dockershim.errors import InvalidParameter
from dockershim.translate.archive import encode_stat, rebase_name

router = APIRouter()

_STAT_HEADER = "X-Docker-Container-Path-Stat"


PathQuery = Annotated[str | None, Query(alias="path", description="a path in the container")]


def _archive_path(path: str | None) -> str:
    if not path:
        raise (
            InvalidParameter("path is required")
            if path is None
            else InvalidParameter("path cannot be empty")
        )
    return path if path.startswith("/") else "/" + path


def _dot_prefixed(name: str) -> str:
    return name if name.startswith("./") else "./" + name


@router.head("/containers/{ref}/archive")
async def container_archive_info(
    ref: str, engine: EngineDep, path_raw: PathQuery = None
) -> Response:
    path = _archive_path(path_raw)
    stat = await engine.archives.stat(check_ref(ref), path)
    return Response(status_code=200, headers={_STAT_HEADER: encode_stat(stat)})


@router.get("/containers/{ref}/archive")
async def container_archive(ref: str, engine: EngineDep, path_raw: PathQuery = None) -> Response:
    path = _archive_path(path_raw)
    reading = await engine.archives.read(check_ref(ref), path)
    source = reading.source
    body: AsyncIterator[bytes] = source.chunks()
    if reading.followed is not None:
        wanted, followed = posixpath.basename(posixpath.normpath(path)), reading.followed
        body = rebase_archive(body, lambda name: rebase_name(name, followed, wanted))
    elif path.endswith("/."):
        # dockerd sends `DIR/.` as "./" and "./NAME"...; the CLI rebases that "." prefix.
        body = rebase_archive(body, _dot_prefixed, first=reading.own)
    headers = {_STAT_HEADER: encode_stat(reading.stat)}
    return ChildStream(source.close, body, what=f"copy from {ref}", headers=headers)


@router.put("/containers/{ref}/archive")
async def put_container_archive(
    ref: str,
    request: Request,
    engine: EngineDep,
    path_raw: PathQuery = None,
    copyUIDGID: Flag = None,
    noOverwriteDirNonDir: Flag = None,
) -> Response:
    path = _archive_path(path_raw)
    ref = check_ref(ref)
    options = WriteOptions(copy_uid_gid=flag(copyUIDGID), overwrite=not flag(noOverwriteDirNonDir))
    # podman keeps a copy of the upload in a temporary folder while it extracts it
    limit = diskbudget.budget(tempfile.gettempdir())
    await engine.archives.write(ref, path, request.stream(), options, limit)
    return Response(status_code=200)


@router.get("/containers/{ref}/export")
async def container_export(ref: str, engine: EngineDep) -> Response:
    source = await engine.archives.export(check_ref(ref))
    return ChildStream(source.close, source.chunks(), what=f"export of {ref}")


@router.get("/containers/{ref}/changes")
async def container_changes(ref: str, engine: EngineDep) -> Response:
    return JSONResponse(await engine.archives.changes(check_ref(ref)))
