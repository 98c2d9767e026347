"""podman's version and info: taken once, kept while nothing they come from changes.

`podman info` takes ~0.4 s and the service exits when idle, so every cold `docker version`
would pay it again. The pair is kept in memory for the service's life and in
`<state dir>/podman-facts.json` (the state dir is under $XDG_RUNTIME_DIR: private, and gone at
reboot) together with a stamp of everything it depends on: the podman, conmon and OCI runtime
binaries, the containers/storage/registries configuration files and their directories, the
variables that point podman elsewhere, and the boot id. A stored pair whose stamp no longer
matches is taken again. Container and image counts are never taken from it (api/system.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
from dataclasses import dataclass
from typing import Any, Literal

from dockershim.podman.runner import PodmanRunner
from dockershim.statefile import read_record, write_record

Facts = tuple[dict[str, Any], dict[str, Any]]  # (podman version, podman info)


@dataclass
class Learned:
    """What one service process learned of podman, each asked once and kept for the process's
    life; shared by the first quick answers (api/lazyapp.py) and the full app."""

    facts: Facts | None = None  # podman's version and info
    facts_from: Literal["", "podman", "disk"] = ""  # asked by this service, or read back
    state_db: str | None = None  # podman's BoltDB file (podman/statedb.py)
    state_db_known: bool = False  # it was looked for: a None state_db is then "podman has none"
    update_restart: bool | None = None  # whether `podman update` takes --restart


FILE_NAME = "podman-facts.json"
_FORMAT = 1
_ENV = ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF", "PATH")


async def static_facts(podman: PodmanRunner, learned: Learned, state_dir: str | None) -> Facts:
    """podman's version and info; the first call of a service may read them from disk."""
    if learned.facts is not None:
        return learned.facts
    stored = await asyncio.to_thread(load, state_dir, podman) if state_dir else None
    if stored is None:
        version, info = await asyncio.gather(
            podman.run_json(["version", "--format", "json"]),
            podman.run_json(["info", "--format", "json"]),
        )
        stored = (version or {}, info or {})
        if state_dir:
            await asyncio.to_thread(save, state_dir, podman, stored)
        learned.facts_from = "podman"
    else:
        learned.facts_from = "disk"
    learned.facts = stored
    return stored


def _environment(podman: PodmanRunner) -> dict[str, str]:
    env = podman.env if podman.env is not None else os.environ
    return {name: env.get(name, "") for name in _ENV}


def watched_paths(podman: PodmanRunner, info: dict[str, Any]) -> list[str]:
    """What podman's version and info come from."""
    env = _environment(podman)
    binary = shutil.which(podman.binary, path=env["PATH"] or None) or podman.binary
    host = info.get("host") or {}
    paths = [
        binary,
        str((host.get("conmon") or {}).get("path") or ""),
        str((host.get("ociRuntime") or {}).get("path") or ""),
    ]
    home = (podman.env or os.environ).get("HOME") or os.path.expanduser("~")
    config_home = (podman.env or os.environ).get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for folder in (
        "/usr/share/containers",
        "/etc/containers",
        os.path.join(config_home, "containers"),
    ):
        paths.append(folder)
        paths += sorted(glob.glob(os.path.join(folder, "*.conf")))
        paths.append(os.path.join(folder, "registries.conf.d"))
        paths += sorted(glob.glob(os.path.join(folder, "registries.conf.d", "*")))
    paths += [env[name] for name in _ENV if name != "PATH" and env[name]]
    return [p for p in paths if p]


def stamp(paths: list[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append([path, st.st_mtime_ns, st.st_size, st.st_ino])
        except OSError:
            out.append([path, None])
    return out


def _boot_id() -> str:
    with contextlib.suppress(OSError), open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()
    return ""


def save(state_dir: str, podman: PodmanRunner, facts: Facts) -> None:
    version, info = facts
    record = {
        "format": _FORMAT,
        "boot": _boot_id(),
        "env": _environment(podman),
        "stamp": stamp(watched_paths(podman, info)),
        "version": version,
        "info": info,
    }
    with contextlib.suppress(OSError):
        write_record(os.path.join(state_dir, FILE_NAME), record)


def load(state_dir: str, podman: PodmanRunner) -> Facts | None:
    """The stored pair, if everything it came from is as it was; else None."""
    record = read_record(os.path.join(state_dir, FILE_NAME), _FORMAT)
    if record is None:
        return None
    version, info = record.get("version"), record.get("info")
    if not isinstance(version, dict) or not isinstance(info, dict):
        return None
    if record.get("boot") != _boot_id() or record.get("env") != _environment(podman):
        return None
    # the same paths, stamped the same (a new config file changes its folder's stamp)
    if record.get("stamp") != stamp(watched_paths(podman, info)):
        return None
    return version, info
