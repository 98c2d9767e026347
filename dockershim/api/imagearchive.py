"""Image archives and snapshots: GET /images/{name}/get, GET /images/get, POST /images/load,
POST /commit, GET /images/search (issue 5)."""

from __future__ import annotations

import asyncio
import bz2
import contextlib
import gzip
import json
import logging
import lzma
import os
import re
import tarfile
import tempfile
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from dockershim.api import diskbudget
from dockershim.api.bodies import ContainerConfigBody
from dockershim.api.deps import PodmanDep
from dockershim.api.imageresolve import local_name, require_image
from dockershim.api.jsonstream import stream_response
from dockershim.api.queries import BOOL_DOC, INT_DOC, FiltersJson, Text, flag, named, number
from dockershim.errors import DockerError, InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.translate import commit as tcommit
from dockershim.translate.filters import parse_filters
from dockershim.translate.progress import loaded_names
from dockershim.translate.references import familiar, parse_reference, tls_args

router = APIRouter()
log = logging.getLogger(__name__)
_CHUNK = 256 * 1024


async def _save(podman: PodmanRunner, names: list[str]) -> Response:
    sources: list[str] = []
    for name in names:
        data = await require_image(podman, name)
        sources.append(local_name(data, name))
    argv = ["save", "--format", "docker-archive"]
    if len(sources) > 1:
        argv.append("--multi-image-archive")
    child = await podman.spawn([*argv, "--", *sources])
    stdout = child.process.stdout
    assert stdout is not None

    async def body() -> AsyncIterator[bytes]:
        try:
            while chunk := await stdout.read(_CHUNK):
                yield chunk
        finally:
            await child.close()

    return StreamingResponse(body(), media_type="application/x-tar")


@router.get("/images/get")
async def image_get_all(
    podman: PodmanDep,
    names_raw: Annotated[list[str] | None, named("names", "image names or ids")] = None,
) -> Response:
    names = names_raw or []
    if not names:
        raise InvalidParameter("names is required")
    return await _save(podman, names)


@router.get("/images/{name:path}/get")
async def image_get(name: str, podman: PodmanDep) -> Response:
    return await _save(podman, [name])


@router.post("/images/load")
async def image_load(
    request: Request,
    podman: PodmanDep,
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
                result = await podman.run(["load", "--input", path], timeout=600, check=False)
                if result.returncode != 0:
                    failure = _load_error(result.err_text)
                else:
                    names = loaded_names(result.text)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def body() -> AsyncIterator[dict[str, Any]]:
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


def _load_error(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.startswith("Error")]
    message = (lines[-1] if lines else text.strip()).removeprefix("Error: ")
    if message.startswith("payload does not match any of the supported image formats"):
        return "invalid archive: not a docker-archive or OCI image archive"
    return message or "podman load failed"


@router.post("/commit", status_code=201)
async def image_commit(
    config: ContainerConfigBody,
    podman: PodmanDep,
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
    args = ["commit", "--format", "docker"]
    args += tcommit.config_changes(config)
    for change in changes or []:
        args += tcommit.change_args(change)
    if comment:
        args += ["--message", comment]
    if author:
        args += ["--author", author]
    target: list[str] = []
    if repo:
        target = [parse_reference(f"{repo}:{tag}" if tag else repo).full()]
    tail = ["--quiet", "--", container, *target]
    # Docker pauses by default (the CLI and docker-py send pause=1). Rootless podman on cgroup
    # v1 cannot pause: then the container is committed running, as with `pause=0`.
    pause = flag(pause_raw, True)
    result = await podman.run(
        [*args, f"--pause={str(pause).lower()}", *tail], timeout=600, check=False
    )
    if result.returncode != 0 and pause and _cannot_pause(result.err_text):
        log.info("commit of %s without pausing: %s", container, result.err_text.strip())
        result = await podman.run([*args, "--pause=false", *tail], timeout=600, check=False)
    if result.returncode != 0:
        raise classify(result.err_text, result.returncode)
    image_id = result.text.strip().splitlines()[-1]
    return JSONResponse({"Id": f"sha256:{image_id.removeprefix('sha256:')}"}, status_code=201)


def _cannot_pause(stderr: str) -> bool:
    return bool(re.search(r"can ?not pause|pausing container .* to commit", stderr))


@router.get("/images/search")
async def image_search(
    podman: PodmanDep,
    term_raw: Annotated[str | None, named("term", "what to search for")] = None,
    limit_raw: Annotated[str | None, named("limit", INT_DOC + " (default 25)")] = None,
    filters_json: FiltersJson = None,
) -> JSONResponse:
    term = term_raw or ""
    if not term:
        raise InvalidParameter("term is required")
    filters = parse_filters(filters_json, ("is-official", "stars", "is-automated"))
    limit = number(limit_raw, "limit", 25) or 25
    host = (
        term.split("/", 1)[0]
        if "/" in term and ("." in term.split("/")[0] or ":" in term.split("/")[0])
        else ""
    )
    args = ["search", "--format", "json", "--no-trunc", "--limit", str(limit), *tls_args(host)]
    for key, values in filters.items():
        for value in values:
            args += ["--filter", f"{key}={value}"]
    result = await podman.run([*args, "--", term], check=False, timeout=60)
    if result.returncode != 0:
        raise DockerError(_load_error(result.err_text))
    items = json.loads(result.text or "[]") or []
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
