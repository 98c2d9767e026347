"""POST /images/{name}/push (progress stream) and POST /auth (registry login check).

Credentials come only from the client (X-Registry-Auth / the /auth body) through a private
auth file (api/authfile.py). Registries on 127.0.0.0/8 and localhost are plain HTTP.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api.authfile import auth_file, auths_from_auth_header
from dockershim.api.bodies import AuthConfigBody
from dockershim.api.deps import BackendDep
from dockershim.api.imageresolve import find_image, local_name
from dockershim.api.jsonstream import TERMINAL, read_terminal_lines, stream_response
from dockershim.api.queries import named
from dockershim.errors import DockerError, InvalidParameter, NotFound, Unauthorized
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.translate import progress
from dockershim.translate.references import (
    Reference,
    familiar,
    is_loopback_registry,
    parse_reference,
    registry_host,
    tls_args,
)

router = APIRouter()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _push_error(output: str) -> DockerError:
    if re.search(r"unauthorized|authentication required", output, re.I):
        return DockerError("unauthorized: authentication required")
    if "denied" in output:
        return DockerError("denied: requested access to the resource is denied")
    return classify(output)


async def _local_tags(podman: PodmanRunner, ref: Reference) -> list[Reference]:
    """Every local tag of `ref`'s repository (dockerd pushes them all when no tag is given)."""
    repos = {ref.repository}
    if ref.registry == "docker.io":
        repos.add("localhost/" + ref.path.removeprefix("library/"))
    data = (await podman.run(["images", "--format", "json"])).json() or []
    tags: list[str] = []
    for item in data:
        for name in item.get("Names") or []:
            repo, _, tag = str(name).rpartition(":")
            if repo in repos and tag not in tags:
                tags.append(tag)
    return [Reference(ref.registry, ref.path, tag, None) for tag in sorted(tags)]


@router.post("/images/{name:path}/push")
async def image_push(
    name: str,
    request: Request,
    backend: BackendDep,
    tag_raw: Annotated[str | None, named("tag", "the tag to push (default: every tag)")] = None,
) -> Response:
    podman = backend.podman
    tag = tag_raw or ""
    ref = parse_reference(f"{name}:{tag}" if tag else name)
    targets = [ref] if ref.tag or ref.digest else await _local_tags(podman, ref)
    if not targets:
        raise NotFound(f"An image does not exist locally with the tag: {familiar(ref.repository)}")
    sources: list[tuple[str, Reference]] = []
    for target in targets:
        data = await find_image(podman, target.full())
        if data is None:
            raise NotFound(f"An image does not exist locally with the tag: {target.familiar()}")
        sources.append((local_name(data, target.full()), target))
    auths = auths_from_auth_header(request.headers.get("X-Registry-Auth"), ref.registry)
    stack = contextlib.ExitStack()
    path = stack.enter_context(auth_file(auths, backend.state_dir))
    digest_file = os.path.join(os.path.dirname(path), os.path.basename(path) + ".digest")
    stack.callback(_remove, digest_file)

    async def push_one(source: str, target: Reference) -> AsyncIterator[dict[str, Any]]:
        argv = ["push", *tls_args(ref.registry), "--authfile", path]
        argv += ["--digestfile", digest_file, "--", source, f"docker://{target.full()}"]
        child = await podman.spawn(argv, use_pty=True, window=TERMINAL)
        try:
            tracker = progress.PushProgress()
            output: list[str] = []
            async for line in read_terminal_lines(child):
                output.append(line)
                for item in tracker.feed(line):
                    yield item
            if await child.wait() != 0:
                raise _push_error("\n".join(output))
        finally:
            await child.close()
        with open(digest_file) as handle:
            digest = handle.read().strip()
        for item in progress.push_footer(target.tag or "latest", digest, None):
            yield item

    async def body() -> AsyncIterator[dict[str, Any]]:
        yield progress.status(f"The push refers to repository [{ref.repository}]")
        for source, target in sources:
            async for item in push_one(source, target):
                yield item

    async def cleanup() -> None:
        stack.close()

    return stream_response(body(), cleanup)


@router.post("/auth")
async def system_auth(body: AuthConfigBody, backend: BackendDep) -> Response:
    user = str(body.get("username") or "")
    password = str(body.get("password") or "")
    if body.get("identitytoken") and not password:
        raise InvalidParameter("identitytoken logins are not supported; send username/password")
    host = registry_host(str(body.get("serveraddress") or ""))
    if not user:
        raise InvalidParameter("username is required")
    with auth_file({}, backend.state_dir) as path:
        argv = ["login", *tls_args(host), "--authfile", path, "--username", user]
        argv += ["--password-stdin", "--", host]
        result = await backend.podman.run(argv, stdin=password.encode() + b"\n", check=False)
    if result.returncode != 0:
        text = result.err_text
        scheme = "http" if is_loopback_registry(host) else "https"
        if re.search(r"invalid username/password|unauthorized|401", text, re.I):
            raise Unauthorized(
                f"login attempt to {scheme}://{host}/v2/ failed with status: 401 Unauthorized"
            )
        raise classify(text, result.returncode)
    return JSONResponse({"Status": "Login Succeeded", "IdentityToken": ""})
