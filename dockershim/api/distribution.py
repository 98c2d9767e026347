"""GET /distribution/{name}/json: a remote image's manifest descriptor and platforms.

Asked of the registry directly over its HTTP API (podman 4.3 shows a remote manifest only
re-indented, which loses its digest). Loopback registries are plain HTTP, as dockerd treats
them; credentials come from `X-Registry-Auth` (basic, or a bearer token fetched with them).
podman's registries.conf (mirrors, short-name aliases) is not consulted: a name means the
registry it names, as on dockerd.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.authfile import auths_from_auth_header
from dockershim.errors import DockerError, NotFound, Unauthorized
from dockershim.translate import distribution as td
from dockershim.translate.references import Reference, is_loopback_registry, parse_reference

router = APIRouter()

_TIMEOUT = 30.0


class _Registry:
    def __init__(self, client: httpx.AsyncClient, ref: Reference, auth: str | None) -> None:
        host = td.registry_host(ref.registry)
        scheme = "http" if is_loopback_registry(ref.registry) else "https"
        self.base = f"{scheme}://{host}/v2/{ref.path}"
        self.client, self.ref, self.basic = client, ref, auth
        self.token: str | None = None

    async def get(self, what: str, accept: str | None = None) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        response = await self._send(what, headers)
        if response.status_code == 401:
            await self._authenticate(response.headers.get("WWW-Authenticate", ""))
            response = await self._send(what, headers)
        return response

    async def _send(self, what: str, headers: dict[str, str]) -> httpx.Response:
        if self.token:
            headers = {**headers, "Authorization": f"Bearer {self.token}"}
        elif self.basic:
            headers = {**headers, "Authorization": f"Basic {self.basic}"}
        return await self.client.get(f"{self.base}/{what}", headers=headers)

    async def _authenticate(self, challenge: str) -> None:
        params = td.bearer_challenge(challenge)
        if params is None or "realm" not in params:
            return  # basic: the credentials (if any) were sent already
        query = {k: v for k, v in params.items() if k in ("service", "scope")}
        query.setdefault("scope", f"repository:{self.ref.path}:pull")
        headers = {"Authorization": f"Basic {self.basic}"} if self.basic else {}
        reply = await self.client.get(params["realm"], params=query, headers=headers)
        if reply.status_code == 200:
            data = reply.json()
            self.token = str(data.get("token") or data.get("access_token") or "") or None


def _basic(request: Request, ref: Reference) -> str | None:
    entry = auths_from_auth_header(request.headers.get("X-Registry-Auth"), ref.registry)
    auth = next(iter(entry.values()), {}).get("auth") if entry else None
    if auth:
        base64.b64decode(auth)  # a malformed value fails here rather than at the registry
    return auth


@router.get("/distribution/{name:path}/json")
async def distribution_inspect(name: str, request: Request) -> JSONResponse:
    ref = parse_reference(name)
    where = ref.digest or ref.tag or "latest"
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT, follow_redirects=True) as client:
            registry = _Registry(client, ref, _basic(request, ref))
            reply = await registry.get(f"manifests/{where}", td.ACCEPT)
            _raise_for(reply, name)
            parsed = td.parse_manifest(
                reply.content,
                reply.headers.get("Content-Type", ""),
                reply.headers.get("Docker-Content-Digest"),
            )
            platforms: list[dict[str, Any]] = []
            if td.is_index(parsed):
                platforms = td.platforms_of_index(parsed)
            elif (digest := td.config_digest(parsed)) is not None:
                blob = await registry.get(f"blobs/{digest}")
                _raise_for(blob, name)
                platforms = [td.platform_of_config(blob.json())]
    except httpx.HTTPError as exc:
        raise DockerError(f"error contacting registry {ref.registry}: {exc}") from None
    return JSONResponse({"Descriptor": parsed["Descriptor"], "Platforms": platforms})


def _raise_for(reply: httpx.Response, name: str) -> None:
    if reply.status_code == 200:
        return
    if reply.status_code == 401:
        raise Unauthorized(f"{name}: unauthorized: authentication required")
    if reply.status_code == 404:
        raise NotFound(f"{name}: not found")
    raise DockerError(f"{name}: the registry answered {reply.status_code}")
