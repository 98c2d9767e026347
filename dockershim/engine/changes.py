"""Changes to one container (create, start, stop, restart, kill, rm): through podman's service
child when it answers (podman/service_child.py), else as a podman process, twins batched
(engine/batches.py).

Either way the caller gets a `Completed` as the CLI would have given it (podman's error text on
stderr, a non-zero code on failure), so one set of rules reads podman's answers in Docker's
words (engine/lifecycle.py, podman/errors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dockershim.engine.batches import Batches, batch_size
from dockershim.podman import Completed
from dockershim.podman.errors import PODMAN_FAILED
from dockershim.podman.service_child import PodmanService, ServiceAnswer

Verb = Literal["start", "stop", "restart", "kill", "rm"]
# libpod statuses that mean done: 304 is "already started/stopped", a no-op for the CLI too
_DONE = {"start": {204, 304}, "stop": {204, 304}, "restart": {204}, "kill": {204}, "rm": {200}}


@dataclass(frozen=True)
class Change:
    verb: Verb
    container_id: str
    timeout: int | None = None  # stop's and restart's grace period (None: the container's)
    signal: str = ""  # kill
    force: bool = False  # rm
    volumes: bool = False  # rm

    def cli_args(self) -> list[str]:
        """The podman sub-command and options (the container id follows a "--")."""
        if self.verb in ("stop", "restart"):
            given = [] if self.timeout is None else ["--time", str(self.timeout)]
            return [self.verb, *given]
        if self.verb == "kill":
            return ["kill", "--signal", self.signal]
        if self.verb == "rm":
            args = ["rm", "--force", "--time", "0"] if self.force else ["rm"]
            return [*args, "--volumes"] if self.volumes else args
        return ["start"]

    def request(self) -> tuple[str, str, dict[str, str]]:
        """The same change as a libpod API request: method, path, query."""
        path = f"/containers/{self.container_id}"
        if self.verb in ("stop", "restart"):
            query = {} if self.timeout is None else {"timeout": str(self.timeout)}
            return "POST", f"{path}/{self.verb}", query
        if self.verb == "kill":
            return "POST", path + "/kill", {"signal": self.signal}
        if self.verb == "rm":
            query = {"force": "true", "timeout": "0"} if self.force else {}
            return "DELETE", path, {**query, "volumes": "true"} if self.volumes else query
        return "POST", path + "/start", {}


@dataclass(frozen=True)
class Done:
    result: Completed
    together: bool  # done alongside twins (a burst of starts: compose up)


def completed(change: Change, answer: ServiceAnswer) -> Completed:
    """A libpod answer as the CLI's `Completed` of the same change."""
    argv = ["podman-service", *change.cli_args(), "--", change.container_id]
    error = answer.failure(_DONE[change.verb])  # rm: 200 with a report per container
    if error:
        return _failure(argv, error)
    return Completed(argv, 0, f"{change.container_id}\n".encode(), b"")


def _failure(argv: list[str], message: str) -> Completed:
    """A failed podman call as its CLI reports it: "Error: ..." on stderr."""
    return Completed(argv, PODMAN_FAILED, b"", f"Error: {message}\n".encode())


class Changes:
    def __init__(self, batches: Batches, service: PodmanService) -> None:
        self.batches = batches
        self.service = service
        # starts under way through the service (one key each, even for the same container):
        # how many others began while each ran
        self._starting: dict[object, int] = {}

    def starts_under_way(self) -> int:
        """Starts running through the service now (a burst: compose up)."""
        return len(self._starting)

    async def run(self, change: Change, *, timeout: float | None = None) -> Done:
        budget = self.batches.podman.default_timeout if timeout is None else timeout
        if change.verb == "start":
            return await self._start(change, budget)
        answer = await self.service.call(*change.request(), timeout=budget)
        if answer is not None:
            return Done(completed(change, answer), together=False)
        return await self._cli(change, timeout)

    async def create(self, spec: dict[str, Any]) -> Completed | None:
        """A container from its libpod specgen (translate/specgen.py) through the service;
        what `podman create` would have printed, or None when the service cannot take it."""
        budget = self.batches.podman.default_timeout
        answer = await self.service.call(
            "POST", "/containers/create", body=spec, timeout=budget, repeatable=False
        )
        if answer is None:
            return None
        argv = ["podman-service", "create", "--", str(spec.get("image", ""))]
        made = answer.json()
        if answer.status == 201 and isinstance(made, dict) and made.get("Id"):
            return Completed(argv, 0, f"{made['Id']}\n".encode(), b"")
        return _failure(argv, answer.message)

    async def _start(self, change: Change, budget: float) -> Done:
        """A start, and whether another began while it ran (compose up's burst)."""
        key = object()
        others = len(self._starting)
        for other in self._starting:
            self._starting[other] += 1
        self._starting[key] = others
        try:
            answer = await self.service.call(*change.request(), timeout=budget)
            if answer is None:
                return await self._cli(change, None)
            return Done(completed(change, answer), together=self._starting[key] > 0)
        finally:
            del self._starting[key]

    async def _cli(self, change: Change, timeout: float | None) -> Done:
        result = await self.batches.run(change.cli_args(), change.container_id, timeout=timeout)
        return Done(result, together=batch_size(result) > 1)
