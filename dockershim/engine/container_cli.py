"""Containers through podman's CLI: what the engine asks when podman's state files cannot
answer (engine/containers.py), and inspects wanted at the same moment gathered into one call.

An inspect goes to podman's service child when it answers (podman/service_child.py): its
libpod inspect is the JSON `podman container inspect` prints (the same libpod call), without
a process (~50-70 ms here, most of it start-up)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.errors import DockerError, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import PodmanService

_INSPECT = ["container", "inspect", "--format", "json"]
_REF = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")  # a name or id podman could have
_SERVICE_TIMEOUT = 30.0


class ContainerCLI:
    def __init__(self, podman: PodmanRunner, service: PodmanService | None = None) -> None:
        self.podman = podman
        self.service = service

    def _child_answers(self, size: bool) -> bool:
        """Whether the service child takes an inspect now; a sized one (only podman measures
        sizes) also starts it for the next time."""
        if self.service is None:
            return False
        return self.service.ready_else_want() if size else self.service.ready

    async def _from_service(self, ref: str, size: bool) -> dict[str, Any] | None:
        """The service's inspect of `ref`; None when it cannot tell (then the CLI)."""
        if self.service is None or not _REF.match(ref) or not self._child_answers(size):
            return None
        query = {"size": "true"} if size else {}
        answer = await self.service.call(
            "GET", f"/containers/{ref}/json", query, timeout=_SERVICE_TIMEOUT
        )
        if answer is None:
            return None
        if answer.status == 404:
            raise NotFound(f"No such container: {ref}")
        data = answer.json()
        if answer.status == 200 and isinstance(data, dict) and data.get("Id"):
            return data
        if "more than one result" in answer.message:
            raise InvalidParameter(f"multiple IDs found with provided prefix: {ref}")
        return None

    async def inspect(self, ref: str, *, size: bool = False) -> dict[str, Any]:
        found = await self._from_service(ref, size)
        if found is not None:
            return found
        args = [*_INSPECT, "--size"] if size else list(_INSPECT)
        result = await self.podman.run([*args, "--", ref], check=False)
        if result.returncode != 0:
            text = result.err_text
            if "no such container" in text or "no container with" in text:
                raise NotFound(f"No such container: {ref}")
            if "more than one result" in text:
                raise InvalidParameter(f"multiple IDs found with provided prefix: {ref}")
            raise DockerError(text.strip().removeprefix("Error: ") or "podman inspect failed")
        data = result.json()
        if not data:
            raise NotFound(f"No such container: {ref}")
        item: dict[str, Any] = data[0]
        return item

    async def inspect_many(self, ids: list[str], *, size: bool = False) -> list[dict[str, Any]]:
        if not ids:
            return []
        if self._child_answers(size):
            found = await asyncio.gather(
                *(self._from_service(i, size) for i in ids), return_exceptions=True
            )
            if not any(raw is None or (isinstance(raw, BaseException) and
                       not isinstance(raw, NotFound)) for raw in found):  # fmt: skip
                return [raw for raw in found if isinstance(raw, dict)]  # NotFound: removed
        args = [*_INSPECT, "--size"] if size else list(_INSPECT)
        result = await self.podman.run([*args, "--", *ids], check=False)
        if result.returncode == 0:
            return list(result.json() or [])
        out: list[dict[str, Any]] = []
        for ident in ids:  # one was removed meanwhile: the others still count
            one = await self.podman.run([*args, "--", ident], check=False)
            if one.returncode == 0:
                out.extend(one.json() or [])
        return out

    async def ids(self, running_only: bool) -> list[str]:
        which = ["-a"]
        if running_only:
            which = ["--filter", "status=running", "--filter", "status=paused"]
        result = await self.podman.run(["ps", *which, "-q", "--no-trunc"])
        return [line.strip() for line in result.text.splitlines() if line.strip()]


class InspectBatches:
    """Inspects wanted at the same time go as one `podman container inspect` (compose inspects
    every container it just created at once): a request made while one runs joins the next,
    or joins the running one for a container whose state `mark` (the engine's fingerprint)
    is the one that inspect was asked at, so it can tell nothing newer."""

    def __init__(self, inspect: Callable[[list[str]], Awaitable[list[dict[str, Any]]]]) -> None:
        self._inspect = inspect
        self._wanted: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._marks: dict[str, str] = {}  # the latest mark each wanted id was asked at
        self._flying: dict[str, tuple[str, asyncio.Future[dict[str, Any] | None]]] = {}
        self._running: asyncio.Task[None] | None = None

    async def get(
        self, ids: list[str], marks: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        futures = []
        for ident in ids:
            mark = (marks or {}).get(ident)
            flying = self._flying.get(ident)
            if mark is not None and flying is not None and flying[0] == mark:
                futures.append(flying[1])
                continue
            futures.append(self._wanted.setdefault(ident, loop.create_future()))
            if mark is not None:
                self._marks[ident] = mark
            else:
                self._marks.pop(ident, None)
        if self._running is None:
            self._running = asyncio.create_task(self._drain())
        found = await asyncio.gather(*(asyncio.shield(f) for f in futures))
        return [raw for raw in found if raw is not None]

    async def _drain(self) -> None:
        try:
            while self._wanted:
                batch, self._wanted = self._wanted, {}
                marks, self._marks = self._marks, {}
                self._flying = {i: (marks[i], f) for i, f in batch.items() if i in marks}
                try:
                    raws = await self._inspect(list(batch))
                except Exception as exc:
                    for future in batch.values():
                        future.set_exception(exc)
                    continue
                finally:
                    self._flying = {}
                by_id = {str(r.get("Id", "")): r for r in raws}
                for ident, future in batch.items():
                    future.set_result(by_id.get(ident))  # None: removed meanwhile
        finally:
            self._running = None
