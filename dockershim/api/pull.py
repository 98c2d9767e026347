"""POST /images/create: pull (`fromImage`, `tag`, `platform`) and import (`fromSrc`).

Pull answers with an HTTP error while podman has not started copying (missing image: 404 with
dockerd's text), then streams Docker's progress lines (translate/progress.py) and ends with
`Status: Downloaded newer image for NAME` or `Status: Image is up to date for NAME`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dockershim.api import diskbudget
from dockershim.api.authfile import auth_file, auths_from_auth_header
from dockershim.api.deps import Backend, BackendDep
from dockershim.api.jsonstream import TERMINAL, read_terminal_lines, stream_response
from dockershim.api.queries import named
from dockershim.errors import DockerError, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.translate import commit as tcommit
from dockershim.translate import progress
from dockershim.translate.references import (
    Reference,
    docker_name,
    is_loopback_registry,
    parse_reference,
    tls_args,
)

router = APIRouter()

_STARTED = ("Getting image source signatures", "Copying blob", "Copying config")


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


async def _inspect(podman: PodmanRunner, name: str) -> dict[str, Any]:
    result = await podman.run(["image", "inspect", "--", name], check=False)
    data = result.json() if result.returncode == 0 else None
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}


async def _layer_sizes(podman: PodmanRunner, ref: Reference) -> dict[str, int]:
    result = await podman.run(["manifest", "inspect", "--", ref.full()], check=False, timeout=30)
    if result.returncode != 0:
        return {}
    with contextlib.suppress(DockerError):
        return progress.manifest_sizes(result.json())
    return {}


def pull_error(output: str, ref: Reference, anonymous: bool = True) -> DockerError:
    """podman's pull failure -> dockerd's words."""
    name = docker_name(ref)
    if "manifest unknown" in output:
        return NotFound(f"manifest for {name} not found: manifest unknown: manifest unknown")
    if re.search(r"name unknown|repository name not known|requested access .* denied", output):
        repo = name.rsplit(":", 1)[0] if not ref.digest else name.split("@")[0]
        return NotFound(
            f"pull access denied for {repo}, repository does not exist or may require "
            "'docker login': denied: requested access to the resource is denied"
        )
    if re.search(r"unauthorized|authentication required", output, re.I):
        scheme = "http" if is_loopback_registry(ref.registry) else "https"
        where = ref.digest or ref.tag or "latest"
        url = f"{scheme}://{ref.registry}/v2/{ref.path}/manifests/{where}"
        why = "no basic auth credentials" if anonymous else "unauthorized: authentication required"
        return DockerError(f'Head "{url}": {why}')
    return classify(output)


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
        return await _import(request, backend.podman, options)
    image = fromImage or ""
    if not image:
        raise InvalidParameter("fromImage or fromSrc is required")
    tag = tag or ""
    all_tags = not tag and not (":" in image.rsplit("/", 1)[-1] or "@" in image)
    ref = parse_reference(with_tag(image, tag or (None if all_tags else "latest")))
    args = ["pull", *tls_args(ref.registry)]
    platform = (platform_raw or "").strip()
    if platform:
        args += ["--platform", platform]
    if all_tags:
        # dockerd pulls every tag when none was given (docker-py `all_tags=True`).
        args.append("--all-tags")
    return await _pull(request, backend, ref, args, all_tags)


async def _pull(
    request: Request, backend: Backend, ref: Reference, args: list[str], all_tags: bool
) -> Response:
    podman, state_dir = backend.podman, backend.state_dir
    before_info, sizes = await asyncio.gather(
        _inspect(podman, ref.full()), _layer_sizes(podman, ref)
    )
    before = before_info.get("Id")
    auths = auths_from_auth_header(request.headers.get("X-Registry-Auth"), ref.registry)
    stack = contextlib.AsyncExitStack()
    try:
        path = stack.enter_context(auth_file(auths, state_dir))
        target = ref.repository if all_tags else ref.full()
        argv = [*args, "--authfile", path, "--", target]
        child = await podman.spawn(argv, use_pty=True, window=TERMINAL)
        stack.push_async_callback(child.close)
        lines = read_terminal_lines(child)
        seen: list[str] = []
        async for line in lines:
            seen.append(line)
            if line.startswith(_STARTED):
                break
        else:
            if await child.wait() != 0:
                raise pull_error("\n".join(seen), ref, not auths)
    except BaseException:
        await stack.aclose()
        raise

    async def body() -> AsyncIterator[dict[str, Any]]:
        tracker = progress.PullProgress(sizes)
        yield progress.pull_header(ref.path, ref.digest or ref.tag or "latest")
        for line in seen:
            for item in tracker.feed(line):
                yield item
        tail: list[str] = []
        async for line in lines:
            tail.append(line)
            for item in tracker.feed(line):
                yield item
        if await child.wait() != 0:
            raise pull_error("\n".join(tail), ref, not auths)
        for item in tracker.finish():
            yield item
        info = await _inspect(podman, ref.full())
        newer = before is None or info.get("Id") != before
        digest = progress.pulled_digest(before_info, info, ref.repository)
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


async def _import(request: Request, podman: PodmanRunner, options: _ImportOptions) -> Response:
    source, repo = options.source, options.repo
    args = ["import"]
    for change in options.changes:
        args += tcommit.change_args(change)
    if options.message:
        args += ["--message", options.message]
    if options.platform:
        args += ["--platform", options.platform]
    if source != "-" and not re.match(r"^https?://", source):
        raise InvalidParameter(f"fromSrc must be '-' or an http(s) URL, not {source!r}")
    name: str | None = None
    if repo:
        name = parse_reference(with_tag(repo, options.tag or None)).full()
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
        argv = [*args, "--", target] + ([name] if name else [])
        result = await podman.run(argv, timeout=600)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    image = result.text.strip().splitlines()[-1] if result.text.strip() else ""

    async def body() -> AsyncIterator[dict[str, Any]]:
        yield {"status": f"sha256:{image.removeprefix('sha256:')}"}

    return stream_response(body())
