"""The classic builder: POST /build and /build/prune; BuildKit's /session and /grpc refused.

The context arrives as a tar body (plain or gzip). It is unpacked into a private temporary
directory (entries that would leave it are refused), built with `podman build --format docker`
(engine/builds.py), and removed afterwards. The response is Docker's JSON stream
(translate/build.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncGenerator
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api import diskbudget
from dockershim.api.authfile import auth_file, auths_from_config_header
from dockershim.api.build_query import BuildQuery, one
from dockershim.api.buildcontext import extract_context
from dockershim.api.deps import BackendDep
from dockershim.api.jsonstream import stream_response
from dockershim.api.queries import flag
from dockershim.errors import DockerError, InvalidParameter, Unsupported
from dockershim.translate import build as tbuild
from dockershim.translate.dockerfile_flags import buildkit_refusal

router = APIRouter()

BUILDKIT_MESSAGE = (
    "BuildKit is not supported by dockershim: build with the classic builder "
    "(DOCKER_BUILDKIT=0 docker build ..., or a docker CLI without the buildx plugin)"
)


def _read_dockerfile(context: str, dockerfile: str) -> str:
    path = os.path.join(context, dockerfile)
    real = os.path.realpath(path)
    if not real.startswith(os.path.realpath(context) + os.sep):
        raise InvalidParameter(f"the Dockerfile ({dockerfile}) must be within the build context")
    if not os.path.isfile(real):
        raise InvalidParameter(f"Cannot locate specified Dockerfile: {dockerfile}")
    with open(real, encoding="utf-8", errors="replace") as text:
        return text.read()


async def _refused(message: str) -> AsyncGenerator[dict[str, Any], None]:
    yield {"errorDetail": {"message": message}, "error": message}


@router.post("/build")
async def image_build(request: Request, backend: BackendDep, get: BuildQuery) -> Response:
    builds, state_dir = backend.engine.builds, backend.state_dir
    dockerfile = tbuild.dockerfile_path((get("dockerfile") or [""])[-1])
    workdir = tempfile.mkdtemp(prefix="build-")
    stack = contextlib.AsyncExitStack()
    stack.callback(shutil.rmtree, workdir, True)
    try:
        context = os.path.join(workdir, "context")
        os.mkdir(context, 0o700)
        archive = os.path.join(workdir, "context.tar")
        limit, written = diskbudget.budget(workdir), 0
        with open(archive, "wb") as handle:
            async for chunk in request.stream():
                written += len(chunk)
                diskbudget.check(written, limit, "the build context")
                handle.write(chunk)
        if os.path.getsize(archive) == 0:
            raise InvalidParameter("the build context is empty: send a tar archive")
        await asyncio.to_thread(extract_context, archive, context, dockerfile)
        os.unlink(archive)
        content = _read_dockerfile(context, dockerfile)
        refusal = buildkit_refusal(content)
        if refusal is not None:
            # In-band, as dockerd's classic builder fails the step; podman never sees the file.
            await stack.aclose()
            return stream_response(_refused(refusal[2]))
        total = tbuild.count_steps(content)
        auths = auths_from_config_header(request.headers.get("X-Registry-Config"))
        authpath = stack.enter_context(auth_file(auths, state_dir))
        await builds.fetch_loopback_bases(content, authpath, flag(one(get, "pull")))
        names = await builds.qualified_bases(content)
        inherited = await builds.inherited_refusal(content, names, authpath)
        if inherited is not None:
            await stack.aclose()
            return stream_response(_refused(inherited))
        rewritten = os.path.join(workdir, "Dockerfile")
        with open(rewritten, "w", encoding="utf-8") as out:
            out.write(tbuild.qualify_from(content, names))
        iidfile = os.path.join(workdir, "iid")
        running = builds.running(get, rewritten, iidfile, authpath, context)
        build = await stack.enter_async_context(running)
    except BaseException:
        await stack.aclose()
        raise
    quiet = flag(one(get, "q"))
    tag_names = tbuild.tags(get)

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        originals = {full: short for short, full in names.items()}
        stream = tbuild.BuildStream(total, quiet=quiet, originals=originals)
        async for is_err, line in build.lines():
            for item in stream.feed(line, stderr=is_err):
                yield item
        if await build.wait() != 0:
            message, code = build.failure()
            yield {"errorDetail": {"code": code, "message": message}, "error": message}
            return
        with open(iidfile) as handle:
            image_id = handle.read().strip()
        if not image_id:
            raise DockerError("podman build did not report an image ID")
        if quiet:
            yield {"stream": f"{image_id}\n"}
            yield {"aux": {"ID": image_id}}
            return
        for item in tbuild.success(image_id, tag_names):
            yield item

    return stream_response(body(), stack.aclose)


@router.post("/build/prune")
async def build_prune() -> JSONResponse:
    # podman keeps no build cache apart from intermediate images (see `docker image prune`).
    return JSONResponse({"CachesDeleted": [], "SpaceReclaimed": 0})


@router.api_route("/session", methods=["GET", "POST"])
async def session() -> Response:
    raise Unsupported(BUILDKIT_MESSAGE)


@router.api_route("/grpc", methods=["GET", "POST"])
async def build_grpc() -> Response:
    raise Unsupported(BUILDKIT_MESSAGE)
