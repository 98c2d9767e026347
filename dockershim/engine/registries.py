"""podman's registries.conf, read as containers/image reads it for a rootless user's pull.

Main file: `$CONTAINERS_REGISTRIES_CONF` if set, else `~/.config/containers/registries.conf` if it
exists (then only the user's `registries.conf.d` drop-ins apply), else
`/etc/containers/registries.conf` (then `/etc/containers/registries.conf.d` and the user's
drop-ins, in that order; `*.conf` files, sorted by name). Read on every call: only
`GET /distribution` asks, and podman reads them on every pull too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dockershim.translate import registries_conf as rc
from dockershim.translate.references import Reference

_SYSTEM = "/etc/containers/registries.conf"


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return rc.parse(handle.read())
    except (OSError, UnicodeDecodeError):
        return {}


def _drop_ins(folder: str) -> list[str]:
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".conf"))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names]


class Registries:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def files(self) -> list[str]:
        """The configuration files podman reads for this user, in merge order."""
        env = self._environ if self._environ is not None else os.environ
        home = env.get("HOME") or os.path.expanduser("~")
        user = os.path.join(home, ".config", "containers", "registries.conf")
        explicit = env.get("CONTAINERS_REGISTRIES_CONF")
        if not explicit and os.path.exists(user):
            return [user, *_drop_ins(user + ".d")]
        return [explicit or _SYSTEM, *_drop_ins(_SYSTEM + ".d"), *_drop_ins(user + ".d")]

    def sources(self, ref: Reference) -> list[rc.Source]:
        """Where a pull of `ref` goes, in order (mirrors first); RegistryBlocked if blocked."""
        entries = rc.merge([_read(path) for path in self.files()])
        return rc.sources(entries, ref)
