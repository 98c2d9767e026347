"""The podman side of Docker's attach: the children a hijacked attach pumps, and `docker run`'s
attach-then-start.

`docker run` attaches before it starts, so that nothing the container prints is lost; the
start request then starts the container with its output attached (`start_attached`):
- with no terminal and no input, conmon's attach socket is connected between an init and a
  start through podman's service child (engine/conmon_attach.py: the stream ends when the
  output does, ~220 ms before a `podman start --attach` would; `docker run --rm busybox true`
  ~300 -> ~200 ms here);
- otherwise `podman start --attach` runs as the attach's own child. That one podman process
  initializes and starts the container: the start request returns once podman's state shows
  the container past "created" (read from the state database, no process).
Either way the start request raises podman's error when the start failed (a missing
executable: Docker's 400 on the start request, exit code 127 in the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from dockershim.engine.changes import Change, Changes
from dockershim.engine.conmon_attach import SocketAttach, connect
from dockershim.engine.containers import Containers
from dockershim.engine.lifecycle import start_error
from dockershim.engine.starts import StartWatchers
from dockershim.engine.waits import exited_code
from dockershim.errors import DockerError, NotFound
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.podman.errors import PODMAN_FAILED, classify, classify_service
from dockershim.translate.attach import (
    NOT_STARTED,
    ContainerFacts,
    attach_argv,
    start_attached_argv,
    start_events_argv,
)
from dockershim.translate.container_fields import auto_removes
from dockershim.translate.container_logs import logs_argv

log = logging.getLogger(__name__)

_UP = ("running", "paused", "stopping")
_POLL = 0.02  # seconds between looks at the state while a start is under way
_INIT = 120.0  # seconds for podman's service to initialize a container
_EXIT_LOOKS = 100  # looks (every _POLL) for the exit code after the output ended
# podman start's own failure: "Error: unable to start container <id>: <the runtime's error>"
_START_FAILED = re.compile(r"^Error: unable to start container [0-9a-f]{64}: ", re.M)
_REMOVABLE_KEPT = 256


class AttachOps:
    def __init__(
        self,
        podman: PodmanRunner,
        containers: Containers,
        starts: StartWatchers,
        changes: Changes,
    ) -> None:
        self.podman = podman
        self.containers = containers
        self.starts = starts  # DNS and the network namespace are looked after (starts.py)
        self.changes = changes  # starts through podman's service child (engine/changes.py)
        # auto-removed containers started on conmon's socket, newest last: their wait may
        # remove them at their exit (a `podman start --attach` child removes its own, and
        # fails if it is gone first)
        self._removable: dict[str, None] = {}

    def removable_at_exit(self, container_id: str) -> bool:
        """Whether this service started the auto-removed container on conmon's socket (once)."""
        if container_id not in self._removable:
            return False
        del self._removable[container_id]
        return True

    async def facts(self, ref: str) -> ContainerFacts:
        return await self.containers.facts(ref)

    async def logs(self, container_id: str, *, follow: bool = False) -> SpawnedProcess:
        """The container's output so far (`follow`: and what it prints from now on)."""
        return await self.podman.spawn(logs_argv(container_id, follow=follow))

    async def attach(
        self, container_id: str, *, stdin: bool, tty: bool, window: tuple[int, int] | None
    ) -> SpawnedProcess:
        """Attach to a running container."""
        return await self.podman.spawn(
            attach_argv(container_id, stdin=stdin), stdin=stdin, use_pty=tty, window=window
        )

    async def start(self, container_id: str) -> None:
        """A plain start (no one to pump for); a no-op when it already runs."""
        await self.podman.run(["start", "--", container_id])
        self.starts.started(container_id)

    async def start_attached(
        self, container_id: str, *, stdin: bool, tty: bool, window: tuple[int, int] | None
    ) -> SpawnedProcess | SocketAttach:
        """Start the container with its output attached; returns once it started (running,
        or already exited), raises podman's start error when it did not.

        With no terminal and no input, the output comes from conmon's attach socket and the
        start goes to podman's service child (engine/conmon_attach.py says why); otherwise,
        or when that cannot be done, a `podman start --attach` child."""
        if not tty and not stdin:
            on_socket = await self._start_on_socket(container_id)
            if on_socket is not None:
                return on_socket
        if tty:  # a terminal mixes podman's error into the output: `init` tells it apart
            await self._init(container_id)
        before = await self._started_at(container_id)
        child = await self.podman.spawn(
            start_attached_argv(container_id, stdin=stdin), stdin=stdin, use_pty=tty, window=window
        )
        try:
            failure = await self._until_started(container_id, child, before)
            if failure is not None:
                raise failure
        except BaseException:
            await child.close()
            raise
        self.starts.started(container_id)  # its network is set up now
        return child

    async def _start_on_socket(self, container_id: str) -> SocketAttach | None:
        """Init through the service child, connect to conmon's socket, start; None (nothing
        done but perhaps the init) when the service, the state or the socket is not there."""
        service = self.changes.service
        snap = await self.containers.snapshot()
        record = snap.containers.get(container_id) if snap is not None else None
        bundle = str(record.config_json.get("staticDir") or "") if record is not None else ""
        if not service.ready or record is None or not bundle or record.status != "created":
            service.want()
            return None  # not a fresh container, or no state to find its socket in
        answer = await service.call("POST", f"/containers/{container_id}/init", timeout=_INIT)
        if answer is None:
            return None
        if answer.status not in (204, 304):
            if auto_removes(record.annotations):
                # podman's error, as its CLI words it: conmon's clean-up may have removed the
                # container already (`--rm`), so `podman start --attach` could not say it again
                raise start_error(classify_service(answer.message))
            return None  # `podman start --attach` does it again, and reports what failed
        try:
            sock = await connect(bundle)
        except OSError as exc:
            log.info("conmon's attach socket of %s: %s", container_id[:12], exc)
            return None
        attached = SocketAttach(container_id, sock, lambda: self._exit_code(container_id))
        try:
            done = await self.changes.run(Change("start", container_id))
            if done.result.returncode != 0:
                raise start_error(classify(done.result.err_text, done.result.returncode))
        except BaseException:
            await attached.close()
            raise
        self.starts.started(container_id)
        if auto_removes(record.annotations):
            self._removable[container_id] = None
            while len(self._removable) > _REMOVABLE_KEPT:  # runs whose wait never came
                del self._removable[next(iter(self._removable))]
        return attached

    async def _exit_code(self, container_id: str) -> int | None:
        """The exit code, from conmon's exit file or podman's state, once there (conmon
        writes it just after the output ends); None when it cannot be told (gone)."""
        for _ in range(_EXIT_LOOKS):
            snap = await self.containers.recent_snapshot(_POLL)
            record = snap.containers.get(container_id) if snap is not None else None
            if snap is None or record is None:
                return None
            code = exited_code(snap, record)
            if code is not None:
                return code
            await asyncio.sleep(_POLL)
        return None

    async def _init(self, container_id: str) -> None:
        result = await self.podman.run(["init", "--", container_id], check=False, timeout=120)
        if result.returncode != 0 and "already been created in runtime" not in result.err_text:
            raise classify(result.err_text, result.returncode)

    async def _started_at(self, container_id: str) -> object:
        """What tells this container's next start apart (its stored start time)."""
        snap = await self.containers.snapshot()
        record = snap.containers.get(container_id) if snap is not None else None
        return record.state_json.get("startedTime") if record is not None else None

    async def _until_started(
        self, container_id: str, child: SpawnedProcess, before: object
    ) -> DockerError | None:
        """Wait until the container got past "created" (a start after `before`, its start time
        then), polled from podman's state; podman's error when the child ended without a start.

        `podman events` needs about a second to start watching, and the CLI only sets up its
        terminal (SIGWINCH -> resize) once start has returned, so neither can tell.
        """
        exited = asyncio.ensure_future(child.wait())
        try:
            return await self._poll_start(container_id, child, before, exited)
        finally:
            exited.cancel()

    async def _poll_start(
        self,
        container_id: str,
        child: SpawnedProcess,
        before: object,
        exited: asyncio.Future[int],
    ) -> DockerError | None:
        while True:
            ended = child.process.returncode is not None
            # once the child ended, a read after its end: it shows what the child left
            look = self.containers.snapshot() if ended else self.containers.recent_snapshot(_POLL)
            snap = await look
            if snap is None:  # only the CLI can tell
                with contextlib.suppress(NotFound):
                    found = await self.containers.lookup(container_id)
                    if found.status not in NOT_STARTED and (ended or found.status in _UP):
                        return None
                    if ended:
                        return await _start_error(child, certain=True)
            else:
                record = snap.containers.get(container_id)
                if record is not None and _started(record.status, record.state_json, before):
                    return None
                if ended and record is not None:
                    return await _start_error(child, certain=True)
            if ended:  # gone: a failed start of an --rm container, or one that ran and was
                # removed between two looks (then the child's exit status is the container's)
                return await _start_error(child, certain=False)
            await asyncio.wait([exited], timeout=_POLL)

    async def wait_started_elsewhere(self, container_id: str, since: float) -> None:
        """Returns when the container is started by other means than this service's start."""
        watcher = await self.podman.spawn(start_events_argv(container_id, since))
        try:
            if watcher.process.stdout is not None:
                with contextlib.suppress(ValueError):  # a line past the reader's limit came
                    await watcher.process.stdout.readline()
            await asyncio.sleep(0)
        finally:
            await watcher.close()


def _started(status: str, state: dict[str, object], before: object) -> bool:
    return status not in NOT_STARTED and state.get("startedTime") != before


async def _start_error(child: SpawnedProcess, *, certain: bool) -> DockerError | None:
    """podman's start failure from the ended child's stderr (nothing has read it yet); None
    when the output is the container's own (`certain`: it never started, so it is podman's)."""
    if child.process.returncode == 0 or (not certain and child.process.returncode != PODMAN_FAILED):
        return None
    stderr = child.process.stderr
    data = b""
    if stderr is not None:
        with contextlib.suppress(TimeoutError):
            data = await asyncio.wait_for(stderr.read(), 5.0)
    text = data.decode(errors="replace")
    match = _START_FAILED.search(text)
    if match is None and not certain:
        # the container's own output after all: handed back for the pump
        restored = asyncio.StreamReader()
        restored.feed_data(data)
        restored.feed_eof()
        child.process.stderr = restored
        return None
    # podman's words, without the "unable to start container <id>:" preamble (as init says it)
    return classify(_START_FAILED.sub("Error: ", text), child.process.returncode or PODMAN_FAILED)


def attaches(child: SpawnedProcess | SocketAttach) -> bool:
    """The child attaches to a container that was already running (`podman attach`)."""
    return child.argv[1:2] == ["attach"]


def starts(child: SpawnedProcess | SocketAttach) -> bool:
    """The child starts the container it attaches to (`podman start --attach`)."""
    return child.argv[1:2] == ["start"]
