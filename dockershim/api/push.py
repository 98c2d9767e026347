"""POST /images/{name}/push (progress stream) and POST /auth (registry login check).

The registry conversations are the engine's (engine/transfer.py). Credentials come only from
the client (X-Registry-Auth / the /auth body) through a private auth file (api/authfile.py).
Registries on 127.0.0.0/8 and localhost are plain HTTP.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from dockershim.api.authfile import auth_file, auths_from_auth_header
from dockershim.api.bodies import AuthConfigBody
from dockershim.api.deps import BackendDep
from dockershim.api.jsonstream import stream_response
from dockershim.api.queries import named
from dockershim.errors import InvalidParameter, NotFound
from dockershim.translate import progress
from dockershim.translate.references import (
    Reference,
    familiar,
    local_name,
    parse_reference,
    registry_host,
)

router = APIRouter()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@router.post("/images/{name:path}/push")
async def image_push(
    name: str,
    request: Request,
    backend: BackendDep,
    tag_raw: Annotated[str | None, named("tag", "the tag to push (default: every tag)")] = None,
) -> Response:
    transfer = backend.engine.transfer
    tag = tag_raw or ""
    ref = parse_reference(f"{name}:{tag}" if tag else name)
    targets = [ref] if ref.tag or ref.digest else await transfer.local_tags(ref)
    if not targets:
        raise NotFound(f"An image does not exist locally with the tag: {familiar(ref.repository)}")
    sources: list[tuple[str, Reference]] = []
    for target in targets:
        data = await backend.engine.images.find(target.full())
        if data is None:
            raise NotFound(f"An image does not exist locally with the tag: {target.familiar()}")
        sources.append((local_name(data, target.full()), target))
    auths = auths_from_auth_header(request.headers.get("X-Registry-Auth"), ref.registry)
    stack = contextlib.ExitStack()
    path = stack.enter_context(auth_file(auths, backend.state_dir))
    digest_file = os.path.join(os.path.dirname(path), os.path.basename(path) + ".digest")
    stack.callback(_remove, digest_file)

    async def push_one(source: str, target: Reference) -> AsyncGenerator[dict[str, Any], None]:
        tracker = progress.PushProgress()
        async with contextlib.aclosing(transfer.push(source, target, path, digest_file)) as lines:
            async for line in lines:
                for item in tracker.feed(line):
                    yield item
        with open(digest_file) as handle:
            digest = handle.read().strip()
        for item in progress.push_footer(target.tag or "latest", digest, None):
            yield item

    async def body() -> AsyncGenerator[dict[str, Any], None]:
        yield progress.status(f"The push refers to repository [{ref.repository}]")
        for source, target in sources:
            async with contextlib.aclosing(push_one(source, target)) as items:
                async for item in items:
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
        await backend.engine.transfer.login(host, user, password, path)
    return JSONResponse({"Status": "Login Succeeded", "IdentityToken": ""})
