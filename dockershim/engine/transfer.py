"""Images to and from registries on podman: pull, push, login, search.

pull and push run podman on a pseudo-terminal (only there does it report byte counts, its
bars); the caller turns the lines into Docker's progress (translate/progress.py). Failures
read in dockerd's words here, never in the routes. What a pull finds before and leaves after
is read from the engine's image store (engine/images.py: kept answers or podman's service
child), and the registry's manifest (its layers' sizes) is asked of the registry directly
(engine/registry_http.py) while podman starts pulling.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockershim.engine.child import TERMINAL, Child, OutputTail, read_terminal_lines
from dockershim.engine.images import Images
from dockershim.engine.registry_http import RegistryAPI
from dockershim.errors import DockerError, NotFound, Unauthorized
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.translate.references import (
    Reference,
    docker_name,
    is_loopback_registry,
    tls_args,
)

_STARTED = ("Getting image source signatures", "Copying blob", "Copying config")


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


def _push_error(output: str) -> DockerError:
    if re.search(r"unauthorized|authentication required", output, re.I):
        return DockerError("unauthorized: authentication required")
    if "denied" in output:
        return DockerError("denied: requested access to the resource is denied")
    return classify(output)


@dataclass(frozen=True)
class PullRequest:
    ref: Reference
    all_tags: bool
    platform: str
    authpath: str
    anonymous: bool  # no credentials came with the request (dockerd's words differ)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)  # host -> basic


@dataclass
class Pull:
    """A pull that has started copying: podman's lines so far (`seen`), the rest (`lines`),
    what the image was before, and the manifest's layer sizes. The caller closes `child`."""

    request: PullRequest
    child: Child
    seen: list[str]
    lines: AsyncIterator[str]
    before: dict[str, Any]
    sizes: dict[str, int]
    _images: Images = field(repr=False)
    _tail: OutputTail = field(default_factory=OutputTail, repr=False)

    async def rest(self) -> AsyncIterator[str]:
        """podman's lines after `seen`, as they come (the last of them kept for `finish`)."""
        async for line in self.lines:
            self._tail.keep(line)
            yield line

    async def finish(self) -> dict[str, Any]:
        """podman's inspect JSON of the pulled image; the pull's error in dockerd's words."""
        if await self.child.wait() != 0:
            raise pull_error(self._tail.text(), self.request.ref, self.request.anonymous)
        return await self._images.find(self.request.ref.full()) or {}


async def _until_copying(
    child: Child, lines: AsyncIterator[str], request: PullRequest
) -> list[str]:
    """podman's lines up to the first of its copy (the pull has started); its failure in
    dockerd's words when it ends before."""
    seen: list[str] = []
    async for line in lines:
        seen.append(line)
        if line.startswith(_STARTED):
            return seen
    if await child.wait() != 0:
        raise pull_error("\n".join(seen), request.ref, request.anonymous)
    return seen


class Transfer:
    def __init__(self, podman: PodmanRunner, images: Images, registries: RegistryAPI) -> None:
        self.podman = podman
        self.images = images
        self.registries = registries

    async def pull(self, request: PullRequest) -> Pull:
        """Start the pull; an error (dockerd's words) while podman has not started copying."""
        ref = request.ref
        sizing = asyncio.ensure_future(  # for Docker's byte counts, beside the pull's start
            self.registries.layer_sizes(ref, request.credentials, request.platform)
        )
        try:
            before = await self.images.find(ref.full()) or {}
            child = await self._start_pull(request)
        except BaseException:
            sizing.cancel()
            raise
        lines = read_terminal_lines(child)
        try:
            seen = await _until_copying(child, lines, request)
            sizes = await sizing  # podman has read the manifest too by now
        except BaseException:
            sizing.cancel()
            await child.close()
            raise
        return Pull(request, child, seen, lines, before, sizes, self.images)

    async def _start_pull(self, request: PullRequest) -> Child:
        ref = request.ref
        argv = ["pull", *tls_args(ref.registry)]
        if request.platform:
            argv += ["--platform", request.platform]
        if request.all_tags:
            argv.append("--all-tags")  # dockerd pulls every tag when none was given
        target = ref.repository if request.all_tags else ref.full()
        argv += ["--authfile", request.authpath, "--", target]
        return await self.podman.spawn(argv, use_pty=True, window=TERMINAL)

    async def local_tags(self, ref: Reference) -> list[Reference]:
        """Every local tag of `ref`'s repository (dockerd pushes them all when none is given)."""
        repos = {ref.repository}
        if ref.registry == "docker.io":
            repos.add("localhost/" + ref.path.removeprefix("library/"))
        data = await self.images.listing(everything=False)
        tags: list[str] = []
        for item in data:
            for name in item.get("Names") or []:
                repo, _, tag = str(name).rpartition(":")
                if repo in repos and tag not in tags:
                    tags.append(tag)
        return [Reference(ref.registry, ref.path, tag, None) for tag in sorted(tags)]

    async def push(
        self, source: str, target: Reference, authpath: str, digest_file: str
    ) -> AsyncGenerator[str, None]:
        """podman's push output, line by line; its failure in dockerd's words at the end.
        The pushed manifest's digest is in `digest_file` afterwards."""
        argv = ["push", *tls_args(target.registry), "--authfile", authpath]
        argv += ["--digestfile", digest_file, "--", source, f"docker://{target.full()}"]
        child = await self.podman.spawn(argv, use_pty=True, window=TERMINAL)
        try:
            tail = OutputTail()
            async for line in read_terminal_lines(child):
                tail.keep(line)
                yield line
            if await child.wait() != 0:
                raise _push_error(tail.text())
        finally:
            await child.close()

    async def login(self, host: str, user: str, password: str, authpath: str) -> None:
        """Check credentials against `host` (401 in dockerd's words when refused)."""
        argv = ["login", *tls_args(host), "--authfile", authpath, "--username", user]
        argv += ["--password-stdin", "--", host]
        result = await self.podman.run(argv, stdin=password.encode() + b"\n", check=False)
        if result.returncode == 0:
            return
        text = result.err_text
        scheme = "http" if is_loopback_registry(host) else "https"
        if re.search(r"invalid username/password|unauthorized|401", text, re.I):
            raise Unauthorized(
                f"login attempt to {scheme}://{host}/v2/ failed with status: 401 Unauthorized"
            )
        raise classify(text, result.returncode)

    async def search(
        self, term: str, limit: int, filters: dict[str, list[str]]
    ) -> list[dict[str, Any]]:
        """podman search's JSON entries (`term` may start with a registry host)."""
        head = term.split("/", 1)[0]
        host = head if "/" in term and ("." in head or ":" in head) else ""
        args = ["search", "--format", "json", "--no-trunc", "--limit", str(limit)]
        args += tls_args(host)
        for key, values in filters.items():
            for value in values:
                args += ["--filter", f"{key}={value}"]
        result = await self.podman.run([*args, "--", term], check=False, timeout=60)
        if result.returncode != 0:
            raise DockerError(error_line(result.err_text, "podman search failed"))
        items = result.json() if result.text.strip() else []
        if not isinstance(items, list):
            raise DockerError("podman search returned unreadable output")
        return [i for i in items if isinstance(i, dict)]


def error_line(text: str, fallback: str) -> str:
    """The last `Error: ...` line of podman's stderr, without the prefix."""
    lines = [ln for ln in text.strip().splitlines() if ln.startswith("Error")]
    return (lines[-1] if lines else text.strip()).removeprefix("Error: ") or fallback
