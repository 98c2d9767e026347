"""POST /images/create: pull (`fromImage`, `tag`, `platform`) and import (`fromSrc`).

Pull answers with an HTTP error while podman has not started copying (missing image: 404 with
dockerd's text), then streams Docker's progress lines (translate/progress.py) and ends with
`Status: Downloaded newer image for NAME` or `Status: Image is up to date for NAME`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dockershim.api import diskbudget
from dockershim.api.authfile import auth_file, auths_from_auth_header, basic_credentials
from dockershim.api.backend import Backend
from dockershim.api.deps import BackendDep
from dockershim.api.jsonstream import stream_response
from dockershim.api.queries import named
from dockershim.engine import Engine
from dockershim.engine.image_archives import ImageChanges
from dockershim.engine.transfer import PullRequest
from dockershim.errors import InvalidParameter
from dockershim.translate import progress
from dockershim.translate.references import Reference, docker_name, parse_reference

router = APIRouter()


def with_tag(image: str, tag: str | None) -> str:
    """dockerd combines `fromImage` and `tag`; a `sha256:` tag is a digest."""
    if not tag:
        return image
    ref = parse_reference(image)
    if ref.tag or ref.digest:
        base = image.rsplit("@", 1)[0]
        if ref.tag:
            base = base[: -(len(ref.tag) + 1)]
        image = base
    sep = "@" if re.match(r"^[a-z0-9]+:[0-9a-f]{32,}$", tag) else ":"
    return f"{image}{sep}{tag}"


@router.post("/images/create")
async def image_create(
    request: Request,
    backend: BackendDep,
    fromImage: Annotated[str | None, Query(description="the image to pull")] = None,
    fromSrc: Annotated[str | None, Query(description="import: '-' (the body) or a URL")] = None,
    repo: Annotated[str | None, Query(description="import: the name to give")] = None,
    tag: Annotated[str | None, Query(description="the tag to pull or to give")] = None,
    message: Annotated[str | None, Query(description="import: a commit message")] = None,
    changes: Annotated[
        list[str] | None, Query(description="import: Dockerfile instructions")
    ] = None,
    platform_raw: Annotated[str | None, named("platform", "os[/arch[/variant]]")] = None,
) -> Response:
    if fromSrc:
        options = _ImportOptions(fromSrc, repo or "", tag, changes or [], message, platform_raw)
        return await _import(request, backend.engine, options)
    image = fromImage or ""
    if not image:
        raise InvalidParameter("fromImage or fromSrc is required")
    tag = tag or ""
    all_tags = not tag and not (":" in image.rsplit("/", 1)[-1] or "@" in image)
    ref = parse_reference(with_tag(image, tag or (None if all_tags else "latest")))
    # dockerd pulls every tag when none was given (docker-py `all_tags=True`)
    return await _pull(request, backend, ref, (platform_raw or "").strip(), all_tags)


async def _pull(
    request: Request, backend: Backend, ref: Reference, platform: str, all_tags: bool
) -> Response:
    auths = auths_from_auth_header(request.headers.get("X-Registry-Auth"), ref.registry)
    stack = contextlib.AsyncExitStack()
    try:
        path = stack.enter_context(auth_file(auths, backend.state_dir))
        credentials = basic_credentials(request.headers.get("X-Registry-Auth"), ref.registry)
        wanted = PullRequest(ref, all_tags, platform, path, not auths, credentials)
        pull = await backend.engine.transfer.pull(wanted)
        stack.push_async_callback(pull.child.close)
    except BaseException:
        await stack.aclose()
        raise

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        tracker = progress.PullProgress(pull.sizes)
        yield progress.pull_header(ref.path, ref.digest or ref.tag or "latest")
        for line in pull.seen:
            for item in tracker.feed(line):
                yield item
        async for line in pull.rest():
            for item in tracker.feed(line):
                yield item
        info = await pull.finish()
        for item in tracker.finish():
            yield item
        before = pull.before.get("Id")
        newer = before is None or info.get("Id") != before
        digest = progress.pulled_digest(pull.before, info, ref.repository)
        name = docker_name(ref).rsplit(":", 1)[0] if all_tags else docker_name(ref)
        for item in progress.pull_footer(None if all_tags else digest, name, newer):
            yield item

    return stream_response(body(), stack.aclose)


@dataclass(frozen=True)
class _ImportOptions:
    source: str
    repo: str
    tag: str | None
    changes: list[str]
    message: str | None
    platform: str | None


async def _import(request: Request, engine: Engine, options: _ImportOptions) -> Response:
    source, repo = options.source, options.repo
    if source != "-" and not re.match(r"^https?://", source):
        raise InvalidParameter(f"fromSrc must be '-' or an http(s) URL, not {source!r}")
    name: str | None = None
    if repo:
        name = parse_reference(with_tag(repo, options.tag or None)).full()
    changes = ImageChanges(tuple(options.changes), options.message)
    fd, path = tempfile.mkstemp(prefix="import-", suffix=".tar")
    try:
        with os.fdopen(fd, "wb") as handle:
            if source == "-":
                limit, written = diskbudget.budget(diskbudget.directory_of(path)), 0
                async for chunk in request.stream():
                    written += len(chunk)
                    diskbudget.check(written, limit, "the imported archive")
                    handle.write(chunk)
        target = path if source == "-" else source
        image = await engine.image_archives.import_(target, name, options.platform, changes)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        yield {"status": image}

    return stream_response(body())
