"""podman's own service as dockershim's child: container changes without a podman process each.

A podman CLI process spends 30-40 ms here starting up (Go runtime, user namespace,
configuration, storage, database) before it does anything; `podman system service` pays that
once. Measured per call (bench/mutation_steps.py): rm 38 ms as a process against 10 through
the service, start 134 against 102. So dockershim keeps one service as a child, on a private
socket in its state folder, and sends start, stop, kill and rm to podman's libpod API there
(never to podman's Docker-compatible API: the Docker side is dockershim's own). The child is
started at the first change asked for, or sooner: api/lazyapp.py starts it when a cold
service's first request is a change, beside the full app's import; a read only podman can
compute (a size, a history, a container's processes) starts it for the reads after it.

A change that finds the child starting waits for it (up to _WAIT_FOR_START). Until the child
answers, after it died, or when it cannot start, `call` returns None and the caller runs the
same change as a CLI process; a child that failed is tried again after _RETRY_AFTER seconds.
The child dies with dockershim (the runner's parent-death signal), so an idle exit takes it
along; containers do not depend on it (conmon keeps them, as after a CLI process). A request
the child took but did not finish in time is an error, as a CLI timeout is, and the child is
replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockershim.errors import DockerError
from dockershim.podman import unix_http
from dockershim.podman.errors import classify_service
from dockershim.podman.runner import pid_alive

if TYPE_CHECKING:
    from dockershim.podman.runner import PodmanRunner, SpawnedProcess

log = logging.getLogger(__name__)

API = "/v4.0.0/libpod"
_READY_WITHIN = 30.0  # seconds a new child may take to answer its first ping
_RETRY_AFTER = 30.0  # seconds before a child that failed is started again
_CONNECTIONS = 16  # requests in flight at once; more wait for a connection
_WAIT_FOR_START = 1.0  # seconds a change waits for a starting child before it is a process


@dataclass(frozen=True)
class ServiceAnswer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None

    @property
    def message(self) -> str:
        """podman's error text (`{"cause", "message", "response"}`), as its CLI prints it."""
        data = self.json()
        if isinstance(data, dict) and data.get("message"):
            return str(data["message"])
        return self.body.decode("utf-8", "replace").strip() or f"status {self.status}"

    def failure(self, done: Collection[int]) -> str:
        """podman's error text, "" when the request succeeded: a status not in `done`, the
        first "Err" of the per-object reports libpod's removals answer 200 with, or the first
        of the "Errors" its image removal report lists."""
        if self.status not in done:
            return self.message
        reports = self.json()
        if isinstance(reports, list):
            for report in reports:
                if isinstance(report, dict) and report.get("Err"):
                    return str(report["Err"])
        if isinstance(reports, dict) and isinstance(errors := reports.get("Errors"), list):
            return next((str(e) for e in errors if e), "")
        return ""


def ok_json(answer: ServiceAnswer | None) -> Any:
    """The JSON of the child's 200 answer; None when there was no answer (the child could
    not take the request), another status, or a body that is not JSON."""
    return answer.json() if answer is not None and answer.status == 200 else None


class PodmanService:
    def __init__(self, runner: PodmanRunner, folder: str | None) -> None:
        self.runner = runner
        self.folder = Path(folder, "podman-service") if folder else None
        self._child: SpawnedProcess | None = None
        self._socket: str | None = None  # set once the child answers
        self._connections = asyncio.Semaphore(_CONNECTIONS)
        self._starting: asyncio.Task[None] | None = None
        self._watching: asyncio.Task[None] | None = None
        self._failed_at = -_RETRY_AFTER
        self._said_failed = False

    @classmethod
    def of(cls, runner: PodmanRunner, state_dir: str | None) -> PodmanService:
        """The child of a dockershim service with this runner and state folder (its socket
        lives there; without one, or with the child turned off, every change is a process)."""
        return cls(runner, state_dir if runner.service_child else None)

    @property
    def ready(self) -> bool:
        return self._socket is not None

    def ready_else_want(self) -> bool:
        """Whether the child answers now; if not, it is started in the background for the
        next time. For reads only podman can compute (container sizes, image histories, the
        processes of `docker top`): a client that asks once pays a process, one that asks
        again gets the child's answer."""
        if self._socket is None:
            self.want()
        return self._socket is not None

    def want(self) -> None:
        """Start the child in the background, unless it runs, is starting or failed lately."""
        if self.folder is None or self._socket is not None or self._starting is not None:
            return
        if time.monotonic() - self._failed_at < _RETRY_AFTER:
            return
        self._starting = asyncio.create_task(self._start())

    async def call(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        *,
        timeout: float,
        repeatable: bool = True,
        content: AsyncIterable[bytes] | None = None,
    ) -> ServiceAnswer | None:
        """One libpod API request; None when the child cannot take it (use the CLI).

        `body` is sent as JSON, `content` (instead) as a raw stream. `repeatable`: the CLI
        may do it again when the child went away in the middle (start, stop and rm of what is
        already done are no-ops); a create is not, it is an error."""
        if self._socket is None:
            self.want()
            await self._started(min(timeout, _WAIT_FOR_START))
        sock = self._socket
        if sock is None:
            return None
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                await self._connections.acquire()
        except TimeoutError:
            return None  # all its connections busy for that long: this one as a process
        try:
            answer = await unix_http.request(
                sock, method, API + path, params, json_body=body, content=content, timeout=timeout
            )
        except unix_http.Refused:
            await self._lost("refused a connection")  # the request never reached it
            return None
        except unix_http.TimedOut:
            await self._lost(f"did not answer {method} {path} within {timeout:g}s")
            raise DockerError(f"podman did not answer within {timeout:g}s") from None
        except unix_http.BrokeOff as exc:  # it went away mid-request (killed, crashed)
            await self._lost(f"broke off {method} {path}: {exc}")
            if not repeatable:
                raise DockerError("podman's service ended before it answered") from None
            return None
        finally:
            self._connections.release()
        log.debug(
            "podman service: %s %s -> %d in %.3fs",
            method,
            path,
            answer.status,
            time.monotonic() - started,
        )
        return ServiceAnswer(answer.status, answer.body, answer.headers)

    async def change(
        self,
        method: str,
        path: str,
        done: Collection[int],
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        timeout: float,
        repeatable: bool = True,
    ) -> ServiceAnswer | None:
        """A change through the child when it runs: its answer once made (a status in
        `done`), podman's failure raised as its CLI's would be; None when the child could
        not take it (not running, or gone before it had the request): the caller runs the
        podman command instead."""
        if not self.ready:
            return None
        answer = await self.call(
            method, path, params, body=body, timeout=timeout, repeatable=repeatable
        )
        if answer is None:
            return None
        error = answer.failure(done)
        if error:
            raise classify_service(error)
        return answer

    async def _started(self, within: float) -> None:
        """Wait a little for a child that is starting: it answers in ~0.05-0.3 s, and a
        podman process doing the change meanwhile costs as much and slows the start."""
        starting = self._starting
        if starting is not None:
            await asyncio.wait([asyncio.shield(starting)], timeout=within)

    async def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starting
        await self._drop()

    async def _start(self) -> None:
        assert self.folder is not None
        try:
            await self._launch(self.folder)
        except Exception as exc:  # a failure here only means: the CLI, for now
            await self._lost(f"could not be started: {exc}")
        finally:
            self._starting = None

    async def _launch(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _remove_stale_sockets(folder)
        sock = folder / f"{os.getpid()}.sock"
        sock.unlink(missing_ok=True)
        started = time.monotonic()
        self._child = await self.runner.spawn(
            ["system", "service", "--time=0", f"unix://{sock}"], discard_output=True
        )
        ping = API + "/_ping"
        while True:
            if self._child.process.returncode is not None:
                raise DockerError(f"it exited with status {self._child.process.returncode}")
            if time.monotonic() - started > _READY_WITHIN:
                raise DockerError(f"it did not answer within {_READY_WITHIN:g}s")
            with contextlib.suppress(unix_http.ClientError):
                if (await unix_http.request(str(sock), "GET", ping, timeout=2)).status == 200:
                    break
            await asyncio.sleep(0.05)
        self._socket = str(sock)
        log.info("podman service child ready in %.2fs (pid %d)", time.monotonic() - started,
                 self._child.pid)  # fmt: skip
        self._watching = asyncio.create_task(self._watch(self._child, time.monotonic()))

    async def _watch(self, child: SpawnedProcess, ready_at: float) -> None:
        code = await child.wait()
        if self._child is child:
            self._failed(f"exited with status {code}")
            if time.monotonic() - ready_at >= _RETRY_AFTER:
                self._failed_at = -_RETRY_AFTER  # it served a while: a new one at once
            await self._drop()

    async def _lost(self, why: str) -> None:
        self._failed(why)
        await self._drop()

    def _failed(self, why: str) -> None:
        self._failed_at = time.monotonic()
        level = logging.DEBUG if self._said_failed else logging.WARNING
        self._said_failed = True
        log.log(level, "podman service child %s; changes run as podman processes", why)

    async def _drop(self) -> None:
        self._socket = None
        child, self._child = self._child, None
        if child is not None:
            await child.close()


def _remove_stale_sockets(folder: Path) -> None:
    """Sockets of earlier dockershim processes that are gone (their child went with them)."""
    for sock in folder.glob("*.sock"):
        with contextlib.suppress(ValueError, OSError):
            pid = int(sock.stem)
            if pid != os.getpid() and not pid_alive(pid):
                sock.unlink()
