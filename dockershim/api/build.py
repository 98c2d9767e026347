"""The classic builder: POST /build and /build/prune; BuildKit's /session and /grpc refused.

The context arrives as a tar body (plain or gzip). It is unpacked into a private temporary
directory (entries that would leave it are refused), built with `podman build --format docker`,
and removed afterwards. The response is Docker's JSON stream (translate/build.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api import diskbudget
from dockershim.api.authfile import auth_file, auths_from_config_header
from dockershim.api.build_query import BuildQuery, one
from dockershim.api.buildcontext import extract_context
from dockershim.api.deps import BackendDep
from dockershim.api.imageresolve import find_image, local_name
from dockershim.api.jsonstream import read_tagged_lines, stream_response
from dockershim.api.queries import flag
from dockershim.engine import engine_for
from dockershim.errors import DockerError, InvalidParameter, Unsupported
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.translate import build as tbuild
from dockershim.translate.dockerfile_flags import buildkit_refusal
from dockershim.translate.references import (
    is_loopback_registry,
    looks_like_id,
    parse_reference,
    tls_args,
)

router = APIRouter()

BUILDKIT_MESSAGE = (
    "BuildKit is not supported by dockershim: build with the classic builder "
    "(DOCKER_BUILDKIT=0 docker build ..., or a docker CLI without the buildx plugin)"
)


async def _fetch_loopback_bases(
    podman: PodmanRunner, dockerfile: str, authpath: str, always: bool
) -> None:
    """Pull base images from loopback registries over plain HTTP first, as dockerd would
    (podman build has no per-registry TLS switch). Failures are left to the build to report."""
    for base in tbuild.base_images(dockerfile):
        try:
            ref = parse_reference(base)
        except InvalidParameter:
            continue
        if not is_loopback_registry(ref.registry):
            continue
        exists = await podman.run(["image", "exists", "--", ref.full()], check=False)
        if exists.returncode == 0 and not always:
            continue
        argv = [
            "pull",
            "--quiet",
            *tls_args(ref.registry),
            "--authfile",
            authpath,
            "--",
            ref.full(),
        ]
        await podman.run(argv, check=False, timeout=600)


def _read_dockerfile(context: str, dockerfile: str) -> str:
    path = os.path.join(context, dockerfile)
    real = os.path.realpath(path)
    if not real.startswith(os.path.realpath(context) + os.sep):
        raise InvalidParameter(f"the Dockerfile ({dockerfile}) must be within the build context")
    if not os.path.isfile(real):
        raise InvalidParameter(f"Cannot locate specified Dockerfile: {dockerfile}")
    with open(real, encoding="utf-8", errors="replace") as text:
        return text.read()


async def _qualified_bases(podman: PodmanRunner, dockerfile: str) -> dict[str, str]:
    """Base images named without a registry -> the exact local name, or Docker's fully
    qualified name, so podman never applies its own short-name rules (which may prompt, refuse
    or pick another registry than docker.io)."""
    names: dict[str, str] = {}
    for base in tbuild.base_images(dockerfile):
        try:
            ref = parse_reference(base)
        except InvalidParameter:
            continue
        if base.startswith(ref.registry + "/") or looks_like_id(base):
            continue
        found = await find_image(podman, base)
        local = local_name(found, base) if found else None
        names[base] = local if local and local != found.get("Id") else ref.full()  # type: ignore[union-attr]
    return names


async def _inherited_refusal(
    podman: PodmanRunner, dockerfile: str, names: dict[str, str], authpath: str
) -> str | None:
    """dockerd's refusal for an ONBUILD trigger of a base image (`ONBUILD RUN --mount=...`),
    which podman would run in this build. Bases not here yet are pulled first to be read.
    podman's inspect omits a Docker config's OnBuild, so the image history is read instead:
    an ONBUILD anywhere in it counts (stricter than the live trigger list)."""
    for base in tbuild.base_images(dockerfile):
        name = names.get(base, base)
        found = await find_image(podman, name)
        if found is None:
            try:
                ref = parse_reference(name)
            except InvalidParameter:
                continue  # left to podman build to report
            pull = ["pull", "--quiet", *tls_args(ref.registry), "--authfile", authpath]
            await podman.run([*pull, "--", ref.full()], check=False, timeout=600)
            found = await find_image(podman, name)
        if found is None:
            continue
        triggers = await engine_for(podman).images.onbuild_history(str(found["Id"]))
        refusal = buildkit_refusal("\n".join(triggers))
        if refusal is not None:
            return refusal[2]
    return None


async def _working_containers(podman: PodmanRunner) -> set[str]:
    """The builder's containers (`NAME-working-container[-N]`) there are now."""
    return {
        ident
        for ident, names in await engine_for(podman).images.storage_containers()
        if any(re.search(r"-working-container(?:-\d+)?$", name) for name in names)
    }


async def _stop_build(podman: PodmanRunner, child: SpawnedProcess, before: set[str]) -> None:
    """End the build; when it was cut short (client gone), remove the working containers it
    left behind (podman leaves them, with their processes, when terminated mid-step)."""
    finished = child.process.returncode is not None
    await child.close()
    if finished:
        return
    stale = await _working_containers(podman) - before
    if stale:
        await podman.run(["rm", "--force", "--time", "0", "--", *sorted(stale)], check=False)


async def _refused(message: str) -> AsyncIterator[dict[str, Any]]:
    yield {"errorDetail": {"message": message}, "error": message}


@router.post("/build")
async def image_build(request: Request, backend: BackendDep, get: BuildQuery) -> Response:
    podman, state_dir = backend.podman, backend.state_dir
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
        await _fetch_loopback_bases(podman, content, authpath, flag(one(get, "pull")))
        names = await _qualified_bases(podman, content)
        inherited = await _inherited_refusal(podman, content, names, authpath)
        if inherited is not None:
            await stack.aclose()
            return stream_response(_refused(inherited))
        rewritten = os.path.join(workdir, "Dockerfile")
        with open(rewritten, "w", encoding="utf-8") as out:
            out.write(tbuild.qualify_from(content, names))
        iidfile = os.path.join(workdir, "iid")
        argv = tbuild.build_args(get, rewritten, iidfile)
        before = await _working_containers(podman)
        child = await podman.spawn([*argv, "--authfile", authpath, "--", context])
        stack.push_async_callback(_stop_build, podman, child, before)
    except BaseException:
        await stack.aclose()
        raise
    quiet = flag(one(get, "q"))
    tag_names = tbuild.tags(get)

    async def body() -> AsyncIterator[dict[str, Any]]:
        originals = {full: short for short, full in names.items()}
        stream = tbuild.BuildStream(total, quiet=quiet, originals=originals)
        output: list[str] = []
        async for is_err, line in read_tagged_lines(child):
            output.append(line)
            for item in stream.feed(line, stderr=is_err):
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
async def build_grpc() -> Response:
    raise Unsupported(BUILDKIT_MESSAGE)
