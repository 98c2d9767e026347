"""The classic builder: POST /build and /build/prune; BuildKit's /session and /grpc refused.

The context arrives as a tar body (plain or gzip). It is unpacked into a private temporary
directory (entries that would leave it are refused), built with `podman build --format docker`,
and removed afterwards. The response is Docker's JSON stream (translate/build.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api.authfile import auth_file, auths_from_config_header
from dockershim.api.deps import PodmanDep, query_bool
from dockershim.api.jsonstream import read_lines, stream_response
from dockershim.errors import DockerError, InvalidParameter, Unsupported
from dockershim.translate import build as tbuild

router = APIRouter()

BUILDKIT_MESSAGE = (
    "BuildKit is not supported by dockershim: build with the classic builder "
    "(DOCKER_BUILDKIT=0 docker build ..., or a docker CLI without the buildx plugin)"
)


def _inside(root: str, name: str) -> bool:
    target = os.path.realpath(os.path.join(root, name))
    return target == root or target.startswith(root + os.sep)


def extract_context(archive: str, root: str) -> None:
    """Unpack a (maybe gzip) tar into `root`, refusing entries that escape it."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = []
            for member in tar.getmembers():
                if os.path.isabs(member.name) or not _inside(root, member.name):
                    raise InvalidParameter(
                        f"build context entry {member.name!r} leaves the context"
                    )
                if (
                    member.issym()
                    and not _inside(
                        root, os.path.join(os.path.dirname(member.name), member.linkname)
                    )
                    and os.path.isabs(member.linkname) is False
                ):
                    raise InvalidParameter(f"build context link {member.name!r} leaves the context")
                if member.islnk() and not _inside(root, member.linkname):
                    raise InvalidParameter(f"build context link {member.name!r} leaves the context")
                if member.isdev():
                    continue
                member.mode = (member.mode or 0o644) | 0o200
                members.append(member)
            tar.extractall(root, members=members, numeric_owner=False)
    except tarfile.TarError as exc:
        raise InvalidParameter(f"the build context is not a tar archive: {exc}") from None


@router.post("/build")
async def image_build(request: Request, podman: PodmanDep) -> Response:
    get = request.query_params.getlist
    dockerfile = tbuild.dockerfile_path((get("dockerfile") or [""])[-1])
    workdir = tempfile.mkdtemp(prefix="build-")
    stack = contextlib.AsyncExitStack()
    stack.callback(shutil.rmtree, workdir, True)
    try:
        context = os.path.join(workdir, "context")
        os.mkdir(context, 0o700)
        archive = os.path.join(workdir, "context.tar")
        with open(archive, "wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
        if os.path.getsize(archive) == 0:
            raise InvalidParameter("the build context is empty: send a tar archive")
        extract_context(archive, os.path.realpath(context))
        os.unlink(archive)
        path = os.path.join(context, dockerfile)
        if not os.path.isfile(path):
            raise InvalidParameter(f"Cannot locate specified Dockerfile: {dockerfile}")
        with open(path, encoding="utf-8", errors="replace") as text:
            total = tbuild.count_steps(text.read())
        iidfile = os.path.join(workdir, "iid")
        argv = tbuild.build_args(get, dockerfile, context, iidfile)
        auths = auths_from_config_header(request.headers.get("X-Registry-Config"))
        authpath = stack.enter_context(auth_file(auths))
        child = await podman.spawn(
            [*argv, "--authfile", authpath, "--", context], merge_stderr=True
        )
        stack.push_async_callback(child.close)
    except BaseException:
        await stack.aclose()
        raise
    quiet = query_bool(request, "q")
    tag_names = tbuild.tags(get)

    async def body() -> AsyncIterator[dict[str, Any]]:
        stream = tbuild.BuildStream(total, quiet=quiet)
        output: list[str] = []
        async for line in read_lines(child):
            output.append(line)
            for item in stream.feed(line):
                yield item
        if await child.wait() != 0:
            message, code = tbuild.failure("\n".join(output))
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
async def grpc() -> Response:
    raise Unsupported(BUILDKIT_MESSAGE)
