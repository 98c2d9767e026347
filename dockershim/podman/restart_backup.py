"""A record of the bytes the restart patch replaces, written before the patch and removed
once podman has been seen reading the result (engine/restart_policy.py).

If the service dies between the write and that check, the record stays behind in
`<state dir>/restart-patch/` (the runtime dir: 0700, the user's own) and the next start puts
the original config back, when the live value is still exactly what we wrote: the update was
never confirmed to the client, so the container keeps the policy the client last saw.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os

from dockershim.errors import DockerError
from dockershim.podman.statedb import container_value, locked

log = logging.getLogger(__name__)


def _folder(state_dir: str) -> str:
    return os.path.join(state_dir, "restart-patch")


def path_for(state_dir: str, container_id: str) -> str:
    return os.path.join(_folder(state_dir), f"{container_id}.json")


def write(state_dir: str, db: str, container_id: str, offset: int, old: bytes, new: bytes) -> str:
    """Store the record durably (temp file, fsync, rename); its path."""
    os.makedirs(_folder(state_dir), mode=0o700, exist_ok=True)
    path = path_for(state_dir, container_id)
    record = {"db": db, "id": container_id, "offset": offset, "old": old.hex(), "new": new.hex()}
    temp = path + ".tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(record).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    return path


def drop(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _restore(record: dict[str, object]) -> bool:
    db, cid = str(record["db"]), str(record["id"])
    old, new = bytes.fromhex(str(record["old"])), bytes.fromhex(str(record["new"]))
    with locked(db, exclusive=True) as fd:
        offset, raw = container_value(fd, cid, "config")
        if offset != record["offset"] or raw != new or len(old) != len(new):
            return False  # podman rewrote it since, or it is not ours: leave it
        os.pwrite(fd, old, offset)
        os.fsync(fd)
        return True


def recover(state_dir: str) -> list[str]:
    """Put back the config of every patch left unconfirmed; the container ids restored."""
    folder = _folder(state_dir)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
    except FileNotFoundError:
        return []
    restored = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
            if _restore(record):
                restored.append(str(record["id"]))
                log.warning("restart policy of %s: unconfirmed patch undone", record["id"])
        except (OSError, ValueError, KeyError, TypeError, DockerError) as exc:
            log.warning("restart policy backup %s not applied: %s", name, exc)
        drop(path)
    return restored
