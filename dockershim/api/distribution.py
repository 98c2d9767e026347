"""GET /distribution/{name}/json: a remote image's manifest descriptor and platforms.

Asked of the registry directly over its HTTP API (podman 4.3 shows a remote manifest only
re-indented, which loses its digest), where podman's pull would ask: the user's
registries.conf mirrors first, then the registry's location (engine/registries.py,
translate/registries_conf.py). Loopback registries are plain HTTP, as dockerd treats them;
`insecure` ones are tried over HTTPS without verification, then HTTP. Credentials come from
`X-Registry-Auth` (basic, or a bearer token fetched with them) and go only to the registry
they were given for (as podman looks credentials up per mirror host).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dockershim.api.authfile import auths_from_auth_header
from dockershim.api.deps import EngineDep
from dockershim.errors import DockerError, Forbidden, NotFound, Unauthorized
from dockershim.translate import distribution as td
from dockershim.translate.references import is_loopback_registry, parse_reference
from dockershim.translate.registries_conf import RegistryBlocked, Source

if TYPE_CHECKING:  # imported when a registry is asked: ~50 ms and ~5 MiB the API need not load
    import httpx

router = APIRouter()

_TIMEOUT = 30.0


class _Registry:
    def __init__(
        self, client: httpx.AsyncClient, source: Source, scheme: str, auth: str | None
    ) -> None:
        self.base = f"{scheme}://{td.registry_host(source.host)}/v2/{source.path}"
        self.client, self.path, self.basic = client, source.path, auth
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
        query.setdefault("scope", f"repository:{self.path}:pull")
        headers = {"Authorization": f"Basic {self.basic}"} if self.basic else {}
        reply = await self.client.get(params["realm"], params=query, headers=headers)
        if reply.status_code == 200:
            data = reply.json()
            self.token = str(data.get("token") or data.get("access_token") or "") or None


def _basic(request: Request, asked: str, host: str) -> str | None:
    """The client's credentials for `host`: given for the registry it `asked` for (or the one
    the header names), never sent to a mirror elsewhere."""
    auths = auths_from_auth_header(request.headers.get("X-Registry-Auth"), asked)
    auth = auths.get(host, {}).get("auth")
    if auth:
        base64.b64decode(auth)  # a malformed value fails here rather than at the registry
    return auth


def _schemes(source: Source) -> list[str]:
    if is_loopback_registry(source.host):
        return ["http"]
    return ["https", "http"] if source.insecure else ["https"]


async def _describe(registry: _Registry, where: str, name: str) -> dict[str, Any]:
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
    return {"Descriptor": parsed["Descriptor"], "Platforms": platforms}


@router.get("/distribution/{name:path}/json")
async def distribution_inspect(name: str, request: Request, engine: EngineDep) -> JSONResponse:
    ref = parse_reference(name)
    where = ref.digest or ref.tag or "latest"
    try:
        sources = engine.registries.sources(ref)
    except RegistryBlocked as exc:
        raise Forbidden(str(exc)) from None
    import httpx

    answered: DockerError | None = None  # the first registry that answered with an error
    unreachable: DockerError | None = None
    for source in sources:
        auth = _basic(request, ref.registry, source.host)
        for scheme in _schemes(source):
            verify = not (source.insecure and scheme == "https")
            try:
                async with httpx.AsyncClient(
                    timeout=_TIMEOUT, follow_redirects=True, verify=verify
                ) as client:
                    found = await _describe(_Registry(client, source, scheme, auth), where, name)
                return JSONResponse(found)
            except httpx.HTTPError as exc:
                unreachable = DockerError(f"error contacting registry {source.host}: {exc}")
            except DockerError as exc:
                answered = answered or exc
                break  # it answered: its other scheme would not know better
    raise answered or unreachable or DockerError(f"{name}: no registry to ask")


def _raise_for(reply: httpx.Response, name: str) -> None:
    if reply.status_code == 200:
        return
    if reply.status_code == 401:
        raise Unauthorized(f"{name}: unauthorized: authentication required")
    if reply.status_code == 404:
        raise NotFound(f"{name}: not found")
    raise DockerError(f"{name}: the registry answered {reply.status_code}")
