"""podman 4.x's own state database, for what its CLI cannot tell or change.

podman keeps containers' configs and states (exec sessions included) in a BoltDB file,
`<graphRoot>/libpod/bolt_state.db`, and every podman process opens it for one operation at a
time under a flock on the file (bbolt's lock: exclusive for writers, shared for readers).
dockershim reads it under the shared lock (exec sessions: api/exec.py) and patches it under
the exclusive one (restart policies: engine/restart_policy.py); podman/boltstate.py walks it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from typing import Any

from dockershim.errors import DockerError
from dockershim.podman.boltstate import BoltError, locate
from dockershim.podman.facts import Learned, static_facts
from dockershim.podman.runner import PodmanRunner

LOCK_WAIT = 10.0
# Pauses between tries of a busy lock: podman holds it from a fraction of a millisecond to a
# few ms per operation, so a fixed 50 ms pause (bbolt's own) made a read wait ~50 times
# longer than podman's write took.
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.016


class StateBusy(DockerError):
    pass


async def database_path(
    podman: PodmanRunner, learned: Learned, state_dir: str | None = None
) -> str | None:
    """The BoltDB file podman keeps its state in; None when it keeps it elsewhere (sqlite)."""
    if learned.state_db_known:
        return learned.state_db
    _, info = await static_facts(podman, learned, state_dir)
    backend = str((info.get("host") or {}).get("databaseBackend") or "boltdb")
    root = str((info.get("store") or {}).get("graphRoot") or "")
    path: str | None = os.path.join(root, "libpod", "bolt_state.db")
    if backend.lower() != "boltdb" or not root or not os.path.isfile(str(path)):
        path = None
    learned.state_db, learned.state_db_known = path, True
    return path


@contextlib.contextmanager
def locked(path: str, *, exclusive: bool, wait: float | None = None) -> Iterator[int]:
    """The database file, open (read-write when `exclusive`) and flocked as bbolt does."""
    wait = LOCK_WAIT if wait is None else wait
    try:
        fd = os.open(path, (os.O_RDWR if exclusive else os.O_RDONLY) | os.O_CLOEXEC)
    except OSError as exc:
        raise DockerError(f"cannot open podman's state database {path}: {exc}") from None
    try:
        pauses = lock_pauses(wait)
        while not try_lock(fd, exclusive=exclusive):
            pause = next(pauses, None)
            if pause is None:
                raise StateBusy(
                    f"podman's state database is busy (not free within {wait:g}s), try again"
                )
            time.sleep(pause)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def try_lock(fd: int, *, exclusive: bool) -> bool:
    """bbolt's flock on the open database, if no other process holds it against us now."""
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def lock_pauses(wait: float) -> Iterator[float]:
    """The pauses between tries of a busy lock, doubling from 1 ms to 16 ms, until `wait`
    seconds have gone by (none when `wait` is 0)."""
    deadline = time.monotonic() + wait
    pause = _FIRST_PAUSE
    while (left := deadline - time.monotonic()) > 0:
        yield min(pause, left)
        pause = min(pause * 2, _LONGEST_PAUSE)


def container_value(fd: int, container_id: str, key: str) -> tuple[int, bytes]:
    """(file offset, raw bytes) of a container's live `config` or `state` value."""
    try:
        where = locate(fd, [b"ctr", container_id.encode()], key.encode())
    except BoltError as exc:
        raise DockerError(f"cannot read podman's state database: {exc}") from None
    if where is None:
        raise DockerError(f"container {container_id} is not in podman's state database")
    return where.offset, os.pread(fd, where.length, where.offset)


def container_state(path: str, container_id: str, wait: float = 2.0) -> dict[str, Any]:
    """The container's state as podman stored it (exec sessions under `newExecSessions`)."""
    with locked(path, exclusive=False, wait=wait) as fd:
        _, raw = container_value(fd, container_id, "state")
    try:
        state = json.loads(raw)
    except ValueError as exc:
        raise DockerError(f"podman's stored state of {container_id} is unreadable: {exc}") from None
    return state if isinstance(state, dict) else {}
