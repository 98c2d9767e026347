"""Exec records: what `POST /containers/{id}/exec` created, kept until start and inspect use it.

One JSON file per exec under `<state dir>/execs/` (the state dir is private, 0700), written
atomically (temp file + rename), so a record survives the service exiting when idle between
create and start, or between the end of a stream and the client's `GET /exec/{id}/json`.
Bounded, since the runtime dir is a small tmpfs and a client may create execs in a loop: a
record holds at most MAX_RECORD_BYTES of config (the argv limit would refuse more anyway);
records not running expire an hour after their last change; and past MAX_RECORDS the oldest
ones not running go first. The count is checked when a new record is created; the expiry, which
reads every record's age (~3 ms for a few hundred), at most once a minute per service.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from dockershim.errors import InvalidParameter, NotFound, Unavailable

_ID = re.compile(r"^[0-9a-f]{64}$")
PRUNE_AFTER = 3600.0
PRUNE_EVERY = 60.0  # seconds between looks at every record's age
MAX_RECORDS = 1024
MAX_RECORD_BYTES = 1 << 20
# when this process last expired the records of each folder (records are files, the store a
# view made per request: the service is one process, so the time lives here)
_pruned_at: dict[Path, float] = {}


class ExecStore:
    def __init__(self, state_dir: str) -> None:
        self.state_dir = state_dir
        self.root = Path(state_dir) / "execs"

    def _ensure_dir(self) -> None:
        parent = self.root.parent
        if not parent.exists():
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.mkdir(mode=0o700, exist_ok=True)

    def _path(self, exec_id: str) -> Path:
        return self.root / f"{exec_id}.json"

    def create(self, container_id: str, config: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(config)) > MAX_RECORD_BYTES:
            raise InvalidParameter(
                f"exec configuration is larger than {MAX_RECORD_BYTES >> 20} MiB"
            )
        self._ensure_dir()
        self._prune()
        record: dict[str, Any] = {
            "ID": secrets.token_hex(32),
            "ContainerID": container_id,
            "Config": config,
            "Running": False,
            "Started": False,
            "ExitCode": None,
            "Pid": 0,
            "Created": time.time(),
        }
        self.save(record)
        return record

    def load(self, exec_id: str) -> dict[str, Any]:
        if not _ID.match(exec_id):
            raise NotFound(f"No such exec instance: {exec_id}")
        try:
            data: dict[str, Any] = json.loads(self._path(exec_id).read_text())
        except (OSError, ValueError):
            raise NotFound(f"No such exec instance: {exec_id}") from None
        return data

    def save(self, record: dict[str, Any]) -> None:
        self._ensure_dir()
        path = self._path(record["ID"])
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(record, out)
        os.replace(tmp, path)

    def update(self, exec_id: str, **fields: Any) -> dict[str, Any]:
        record = self.load(exec_id)
        record.update(fields)
        self.save(record)
        return record

    def claimed_sessions(self) -> set[str]:
        """The podman exec sessions already tied to a record."""
        claimed: set[str] = set()
        for path in self.root.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                session = json.loads(path.read_text()).get("Session")
                if session:
                    claimed.add(str(session))
        return claimed

    def _running(self, path: Path) -> bool:
        try:
            return bool(json.loads(path.read_text()).get("Running"))
        except (OSError, ValueError):
            return False

    def _prune(self) -> None:
        """Expire old records not running; then make room below MAX_RECORDS, oldest first."""
        now = time.monotonic()
        due = now - _pruned_at.get(self.root, -PRUNE_EVERY) >= PRUNE_EVERY
        if not due and _count(self.root) < MAX_RECORDS:
            return
        _pruned_at[self.root] = now
        cutoff = time.time() - PRUNE_AFTER
        dated: list[tuple[float, Path]] = []
        for path in self.root.glob("*.json"):
            with contextlib.suppress(OSError):
                dated.append((path.stat().st_mtime, path))
        dated.sort()
        kept = len(dated)
        for mtime, path in dated:
            if mtime >= cutoff and kept < MAX_RECORDS:
                break
            if not self._running(path):
                with contextlib.suppress(OSError):
                    path.unlink()
                    kept -= 1
        if kept >= MAX_RECORDS:
            raise Unavailable(f"too many exec instances running ({kept}); try again later")


def _count(folder: Path) -> int:
    """How many entries `folder` has (without reading any)."""
    with os.scandir(folder) as entries:
        return sum(1 for _ in entries)
