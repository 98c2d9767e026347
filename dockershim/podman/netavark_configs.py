"""netavark's network configs (podman 4.x), read as podman reads them, without a process.

Rootless podman with netavark keeps one JSON file per network in `<graphRoot>/networks`
(`<name>.json`, written by podman under that folder's `netavark.lock`, in place, not
atomically), and makes its default network in memory when no file has its name (podman 4.3's
common/libnetwork/netavark loadNetworks, parseNetwork). `read_configs` takes that lock as a
reader (fcntl F_RDLCK: podman takes it as a writer for every network operation, so a file is
never read half written, and podman waits at most the few hundred microseconds of the read),
and gives the folder's mark and each file's network as `podman network ls --format json`
prints it. A file podman would read in a way of its own (one it skips with a warning, one it
adds a gateway to, a key podman 4.3 does not know) makes it return None: the caller asks
podman.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from dockershim.podman.statedb import lock_pauses

LOCK_NAME = "netavark.lock"
DEFAULT_NETWORK_ID = "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9"  # podman's
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")  # podman's types.NameRegex
_KEYS = {  # types.Network's JSON keys in podman 4.3
    "name", "id", "driver", "network_interface", "created", "subnets", "ipv6_enabled",
    "internal", "dns_enabled", "labels", "options", "ipam_options",
}  # fmt: skip
_SUBNET_KEYS = {"subnet", "gateway", "lease_range"}
_OMITTED_WHEN_EMPTY = ("network_interface", "subnets", "labels", "options", "ipam_options")
_MAX_FILE = 1 << 20  # a network's config is a few hundred bytes
_LOCK_WAIT = 1.0  # podman holds the lock for one network operation


def folder_mark(folder: str) -> str:
    """The folder's entries as they are now (names, times, sizes, inodes); "" if unreadable."""
    try:
        parts = [folder, str(os.stat(folder).st_mtime_ns)]
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            st = entry.stat(follow_symlinks=False)
            parts.append(f"{entry.name}:{st.st_mtime_ns}:{st.st_size}:{st.st_ino}")
    except OSError:
        return ""
    return "\n".join(parts)


def read_configs(folder: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(the folder's mark, its networks as podman prints them, by name) read under podman's
    lock; None when the lock is not free within a second or a file is not one this reads as
    podman does."""
    with _reader_lock(os.path.join(folder, LOCK_NAME)) as held:
        if not held:
            return None
        mark = folder_mark(folder)
        if not mark:
            return None
        networks: list[dict[str, Any]] = []
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if not entry.name.endswith(".json") or entry.is_dir(follow_symlinks=True):
                continue  # as podman: only the .json files
            network = _network(entry.path, entry.name)
            if network is None:
                return None
            networks.append(network)
    return mark, networks


def _network(path: str, file_name: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_FILE + 1)
        network = json.loads(data) if len(data) <= _MAX_FILE else None
    except (OSError, ValueError):
        return None
    if not isinstance(network, dict) or not set(network) <= _KEYS:
        return None
    name, ident, subnets = network.get("name"), network.get("id"), network.get("subnets") or []
    if not isinstance(name, str) or f"{name}.json" != file_name or not _NAME.match(name):
        return None  # podman skips it
    if not isinstance(ident, str) or len(ident) != 64 or not isinstance(subnets, list):
        return None
    if any(not isinstance(s, dict) or not set(s) <= _SUBNET_KEYS for s in subnets):
        return None
    needs_gateway = not network.get("internal") or network.get("dns_enabled")
    if needs_gateway and any(not s.get("gateway") for s in subnets):
        return None  # podman adds one as it reads
    for key in _OMITTED_WHEN_EMPTY:  # Go's omitempty, as podman prints it
        if key in network and not network[key]:
            del network[key]
    return network


@contextlib.contextmanager
def _reader_lock(path: str) -> Iterator[bool]:
    """podman's lock file held shared (fcntl, as c/storage's lockfile), or False when it
    cannot be opened or stays taken for _LOCK_WAIT."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        yield False
        return
    try:
        if not _acquired(fd):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquired(fd: int) -> bool:
    """The shared lock taken, tried again after statedb's pauses while a writer holds it."""
    pauses = lock_pauses(_LOCK_WAIT)
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            pause = next(pauses, None)
            if exc.errno not in (errno.EACCES, errno.EAGAIN) or pause is None:
                return False
            time.sleep(pause)
