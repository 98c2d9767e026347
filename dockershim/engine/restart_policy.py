"""Change the restart policy of an existing container, keeping its id.

Podman >= 5 can do it itself (`podman update --restart`); when `podman update --help` lists
`--restart`, that is used. Podman 4.x cannot, so dockershim patches the policy in podman's
BoltDB state (`<graphRoot>/libpod/bolt_state.db`), where every podman process, including the
`podman container cleanup` conmon runs when the container exits (which enforces the policy),
reads the container's config from:

1. under an exclusive flock on the database file (bbolt writers take the same lock; podman opens
   and closes the database for each operation), locate the live `ctr/<id>/config` value
   (podman/boltstate.py), check it parses and is this container's;
2. compute the new text of exactly the same length (translate/restart_config.py) and write it
   with one pwrite at the value's offset, fsync, unlock: the B+tree is never restructured;
3. check with `podman container inspect` that podman reads the new policy; if not, put the
   original bytes back (under the lock, only if our bytes are still there) and fail.
A backup record of the original bytes is kept from before step 2 until step 3 is done, so a
crash in between is undone at the next start (podman/restart_backup.py).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from dockershim.errors import DockerError
from dockershim.podman import restart_backup
from dockershim.podman.facts import Learned
from dockershim.podman.runner import PodmanRunner
from dockershim.podman.statedb import container_value, database_path, locked
from dockershim.translate.restart_config import current_policy, rewrite


def policy_text(policy: str, retries: int) -> str:
    return f"{policy}:{retries}" if policy == "on-failure" and retries else policy


def _config(fd: int, container_id: str) -> tuple[int, bytes]:
    """(file offset, raw bytes) of the container's live config value, checked to be its own."""
    offset, raw = container_value(fd, container_id, "config")
    try:
        owner = json.loads(raw).get("id")
    except (ValueError, AttributeError):
        owner = None
    if owner != container_id:
        raise DockerError(
            f"podman's state database does not hold the config of {container_id} where expected"
        )
    return offset, raw


def patch_file(
    path: str, container_id: str, policy: str, retries: int, state_dir: str | None = None
) -> bytes | None:
    """Write the new policy into the database; the original bytes, or None if unchanged.
    With `state_dir`, a backup record is written first (podman/restart_backup.py)."""
    with locked(path, exclusive=True) as fd:
        offset, raw = _config(fd, container_id)
        if current_policy(raw) == (policy, retries):
            return None
        new = rewrite(raw, policy, retries)
        if len(new) != len(raw):  # rewrite guarantees it; never write otherwise
            raise DockerError("internal error: the rewritten config changed length")
        if state_dir is not None:
            restart_backup.write(state_dir, path, container_id, offset, raw, new)
        os.pwrite(fd, new, offset)
        os.fsync(fd)
        return raw


def restore_file(path: str, container_id: str, original: bytes, policy: str, retries: int) -> bool:
    """Put `original` back if the config still holds what patch_file wrote."""
    with locked(path, exclusive=True) as fd:
        offset, raw = _config(fd, container_id)
        if len(raw) != len(original) or raw != rewrite(original, policy, retries):
            return False
        os.pwrite(fd, original, offset)
        os.fsync(fd)
        return True


async def _update_has_restart(podman: PodmanRunner, learned: Learned) -> bool:
    if learned.update_restart is None:
        result = await podman.run(["update", "--help"], check=False)
        learned.update_restart = "--restart" in result.text
    return learned.update_restart


async def _database(podman: PodmanRunner, learned: Learned) -> str:
    path = await database_path(podman, learned)
    if path is None:
        raise DockerError(
            "changing the restart policy of an existing container needs podman's BoltDB state "
            "(<graphRoot>/libpod/bolt_state.db) or a podman whose `podman update` supports "
            "--restart (podman 5 or later): recreate the container with the restart policy "
            "you want"
        )
    return path


def _inspected_policy(data: Any) -> tuple[str, int]:
    policy = ((data or [{}])[0].get("HostConfig") or {}).get("RestartPolicy") or {}
    return str(policy.get("Name") or "no"), int(policy.get("MaximumRetryCount") or 0)


async def set_restart_policy(
    podman: PodmanRunner,
    learned: Learned,
    container_id: str,
    policy: str,
    retries: int,
    state_dir: str | None = None,
) -> None:
    """Give the container (full id) the restart policy; raises a DockerError (500) if not.
    With `state_dir`, a crash before podman was seen reading the patch is undone at the next
    start (restart_backup.recover)."""
    if await _update_has_restart(podman, learned):
        text = policy_text(policy, retries)
        await podman.run(["update", f"--restart={text}", "--", container_id])
        return
    path = await _database(podman, learned)
    original = await asyncio.to_thread(patch_file, path, container_id, policy, retries, state_dir)
    if original is None:
        return
    # Cancelled or crashed from here on, the backup record stays and the next start undoes it.
    result = await podman.run(["container", "inspect", "--", container_id], check=False)
    seen = _inspected_policy(result.json()) if result.returncode == 0 else None
    restored = seen == (policy, retries) or await asyncio.to_thread(
        restore_file, path, container_id, original, policy, retries
    )
    if state_dir is not None:
        restart_backup.drop(restart_backup.path_for(state_dir, container_id))
    if seen != (policy, retries):
        raise DockerError(
            f"podman did not take the new restart policy {policy_text(policy, retries)} "
            f"(it reads {seen}); "
            + ("the original config was put back" if restored else "the config changed since")
        )
