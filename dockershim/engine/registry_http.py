"""Registries asked directly over their HTTP API: `GET /distribution` and a pull's layer sizes.

Where podman's pull would ask: the user's registries.conf mirrors first, then the registry's
location (engine/registries.py, translate/registries_conf.py). Loopback registries are plain
HTTP, as dockerd treats them; `insecure` ones are tried over HTTPS without verification, then
HTTP. Credentials (base64 `user:password`, per host) go only to the registry they were given
for (as podman looks credentials up per mirror host): basic, or a bearer token fetched with
them. httpx is imported when a registry is asked (~50 ms and ~5 MiB the API need not load).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any, TypeVar

from dockershim.engine.registries import Registries
from dockershim.errors import DockerError, NotFound, Unauthorized
from dockershim.translate import distribution as td
from dockershim.translate import progress
from dockershim.translate.references import Reference, is_loopback_registry
from dockershim.translate.registries_conf import RegistryBlocked, Source
from dockershim.translate.system import goarch

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
_TIMEOUT = 30.0
_SIZES_TIMEOUT = 10.0  # a pull's progress goes without totals rather than wait longer


class Registry:
    """One registry (a source of registries.conf) over one scheme."""

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

    async def manifest(self, where: str, name: str) -> dict[str, Any]:
        """The manifest (or index) `where` (a tag or digest) names, parsed
        (translate/distribution.py); dockerd's errors for `name` when the registry refuses."""
        reply = await self.get(f"manifests/{where}", td.ACCEPT)
        raise_for(reply, name)
        return td.parse_manifest(
            reply.content,
            reply.headers.get("Content-Type", ""),
            reply.headers.get("Docker-Content-Digest"),
        )

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


def raise_for(reply: httpx.Response, name: str) -> None:
    if reply.status_code == 200:
        return
    if reply.status_code == 401:
        raise Unauthorized(f"{name}: unauthorized: authentication required")
    if reply.status_code == 404:
        raise NotFound(f"{name}: not found")
    raise DockerError(f"{name}: the registry answered {reply.status_code}")


def _schemes(source: Source) -> list[str]:
    if is_loopback_registry(source.host):
        return ["http"]
    return ["https", "http"] if source.insecure else ["https"]


class RegistryAPI:
    """The registries a pull of a reference reaches, asked over HTTP. One client per TLS
    mode, kept for the service's life: a client loads its CA bundle when made (~20 ms)."""

    def __init__(self, registries: Registries) -> None:
        self.registries = registries
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            import httpx

            # no cookie is kept: a registry's session must not carry one client's login
            # into another client's request
            jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
            self._clients[verify] = httpx.AsyncClient(
                timeout=_TIMEOUT, follow_redirects=True, verify=verify, cookies=jar
            )
        return self._clients[verify]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def ask(
        self,
        ref: Reference,
        credentials: Mapping[str, str],
        question: Callable[[Registry], Awaitable[T]],
    ) -> T:
        """`question` put to the first registry a pull of `ref` would reach: the answer of
        the first that answers; the first registry's error when all that answered refused
        (the other scheme of one that answered is not tried); else why none could be
        reached. RegistryBlocked when registries.conf blocks the registry."""
        sources = self.registries.sources(ref)
        import httpx

        answered: DockerError | None = None
        unreachable: DockerError | None = None
        for source in sources:
            auth = credentials.get(source.host)
            for scheme in _schemes(source):
                # no certificate is checked over plain HTTP, nor for an `insecure` registry
                verify = scheme == "https" and not source.insecure
                client = self._client(verify)
                try:
                    return await question(Registry(client, source, scheme, auth))
                except httpx.HTTPError as exc:
                    unreachable = DockerError(f"error contacting registry {source.host}: {exc}")
                except DockerError as exc:
                    answered = answered or exc
                    break  # it answered: its other scheme would not know better
        raise answered or unreachable or DockerError(f"{ref.full()}: no registry to ask")

    async def layer_sizes(
        self, ref: Reference, credentials: Mapping[str, str], platform: str
    ) -> dict[str, int]:
        """Layer digest -> compressed size of the image a pull of `ref` fetches (an index's
        instance for `platform`, "os/arch[/variant]", or this host's); {} when the registry
        cannot tell in time: the pull's progress then goes without totals."""

        async def sizes(registry: Registry) -> dict[str, int]:
            parsed = await registry.manifest(ref.digest or ref.tag or "latest", ref.full())
            if td.is_index(parsed):
                instance = td.instance_for(parsed, platform or f"linux/{goarch()}")
                if instance is None:
                    return {}
                parsed = await registry.manifest(instance, ref.full())
            return progress.manifest_sizes(parsed["manifest"])

        with contextlib.suppress(DockerError, RegistryBlocked, TimeoutError, ValueError):
            async with asyncio.timeout(_SIZES_TIMEOUT):
                return await self.ask(ref, credentials, sizes)
        return {}
