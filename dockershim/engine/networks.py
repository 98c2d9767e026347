"""Networks as podman sees them: the list made from netavark's config files as podman makes it.

netavark's networks are JSON files in one folder (rootless: `<graphRoot>/networks`), written
whole by podman on create and removed on delete; the default network comes from podman's
configuration (covered by the facts' stamp) and has no file. The list is kept while no entry of
that folder changes; after a change it is made from the files (podman/netavark_configs.py,
read under podman's lock) and the default network as podman last printed it, so a network
created or removed costs no `podman network ls` process. `podman network ls` is taken when
the files cannot be read as podman reads them, when podman has not printed the default
network to this service yet, and with the CNI backend.

The list is also kept in `<state dir>/podman-networks.json` with that folder's mark and the
stamp of podman's configuration (podman/facts.py), so the first read of a service that just
started (a cold `docker ps` lists each container's networks) takes it from there instead of a
`podman network ls` process (~25-30 ms here) while neither changed.

Docker names podman refuses live under a derived podman name with the Docker name in a label
(translate/network_names.py): `find` takes Docker's references, `names` maps back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from dockershim.podman import PodmanRunner
from dockershim.podman.netavark_configs import DEFAULT_NETWORK_ID, folder_mark, read_configs
from dockershim.statefile import read_record, write_record
from dockershim.translate import network_names as nn

FILE_NAME = "podman-networks.json"
_FORMAT = 1
_MAX_BYTES = 4 << 20  # a few KiB per network: more is not a record of ours to read

Stamp = Callable[[], Awaitable[str]]


class Networks:
    def __init__(
        self,
        podman: PodmanRunner,
        folder: Callable[[], Awaitable[str]],
        state_dir: str | None = None,
        config: Stamp | None = None,
    ) -> None:
        """`config`: the stamp of podman's configuration now, which a list kept on disk by an
        earlier service must have been taken under."""
        self.podman = podman
        self._folder = folder
        self._file = os.path.join(state_dir, FILE_NAME) if state_dir and config else ""
        self._config = config
        self._kept: tuple[str, str] | None = None  # (mark, JSON text of the list)
        self._looked_on_disk = False
        # podman's default network as its CLI last printed it, when it had no file: (the
        # stamp of podman's configuration then, its JSON text)
        self._default: tuple[str, str] | None = None

    async def _mark(self) -> str:
        folder = await self._folder()
        return folder_mark(folder) if folder else ""

    async def listing(self) -> list[dict[str, Any]]:
        """podman's `network ls` JSON."""
        mark = await self._mark()
        if mark and self._kept is None and not self._looked_on_disk:
            self._looked_on_disk = True
            self._kept = await self._read_back(mark)
        if mark and self._kept and self._kept[0] == mark:
            return list(json.loads(self._kept[1]))
        made = await self._from_files() if mark else None
        if made is not None:
            mark, items = made
        else:
            result = await self.podman.run(["network", "ls", "--format", "json"])
            data = result.json()
            items = list(data) if isinstance(data, list) else []
            default = _default_without_file(items, await self._folder()) if mark else None
            self._default = (await self._stamp(), default) if default else None
        if mark:
            self._kept = (mark, json.dumps(items))
            await self._write(mark, items)
        return items

    async def _from_files(self) -> tuple[str, list[dict[str, Any]]] | None:
        """(the folder's mark, the list) made from the config files and the default network
        as podman last printed it; None when only podman can tell."""
        if self._default is None or self._default[0] != await self._stamp():
            return None  # podman makes its default network from its configuration
        read = await asyncio.to_thread(read_configs, await self._folder())  # may wait on podman
        if read is None:
            return None
        mark, networks = read
        default = json.loads(self._default[1])
        if all(n["name"] != default.get("name") for n in networks):  # a file would replace it
            networks.append(default)
        return mark, sorted(networks, key=lambda n: str(n["name"]))  # podman's order

    async def _stamp(self) -> str:
        return await self._config() if self._config is not None else ""

    async def _read_back(self, mark: str) -> tuple[str, str] | None:
        """The list an earlier service kept, if the folder and podman's configuration are
        as they were then (its default network, if only the configuration is)."""
        if not self._file or self._config is None:
            return None
        record = await asyncio.to_thread(read_record, self._file, _FORMAT, _MAX_BYTES)
        if record is None or record.get("config") != await self._config():
            return None
        if isinstance(record.get("default"), dict):
            self._default = (str(record["config"]), json.dumps(record["default"]))
        if record.get("mark") != mark or not isinstance(record.get("list"), list):
            return None
        return mark, json.dumps(record["list"])

    async def _write(self, mark: str, items: list[Any]) -> None:
        if not self._file or self._config is None:
            return
        stamp = await self._config()
        default = self._default[1] if self._default and self._default[0] == stamp else None
        record = {
            "format": _FORMAT,
            "mark": mark,
            "config": stamp,
            "list": items,
            "default": json.loads(default) if default else None,
        }
        with contextlib.suppress(OSError):
            await asyncio.to_thread(write_record, self._file, record)

    async def names(self) -> dict[str, str]:
        """podman name -> Docker name, for the networks whose names differ."""
        return nn.names_of(await self.listing())

    async def find(self, ref: str) -> dict[str, Any] | None:
        """podman's inspect JSON of the network a Docker reference names (Docker name, id,
        unique id prefix), or None when there is none; an ambiguous prefix is left to podman
        itself. A derived podman name is no Docker name: it finds nothing."""
        listed = await self.listing()
        wanted = nn.podman_name(ref)
        named = [
            n for n in listed
            if n.get("name") == wanted and nn.label_name(n) in (None, ref)
        ]  # fmt: skip
        if named:
            return named[0]
        exact = [n for n in listed if n.get("id") == ref]
        if exact:
            return exact[0]
        if not nn.PODMAN_NAME.match(ref):
            return None  # neither an id nor a name podman could look up
        prefixed = [n for n in listed if str(n.get("id", "")).startswith(ref)]
        if len(prefixed) == 1:
            return prefixed[0]
        if not prefixed:
            return None
        result = await self.podman.run(["network", "inspect", "--", ref], check=False)
        data = result.json() if result.returncode == 0 else None
        return data[0] if isinstance(data, list) and data else None


def _default_without_file(items: list[dict[str, Any]], folder: str) -> str | None:
    """podman's default network in its CLI's list (JSON text), if it was made in memory (no
    file of its name): what podman makes it again until its configuration changes."""
    for network in items:
        name = str(network.get("name") or "")
        made = name and not os.path.exists(os.path.join(folder, f"{name}.json"))
        if network.get("id") == DEFAULT_NETWORK_ID and made:
            return json.dumps(network)
    return None
