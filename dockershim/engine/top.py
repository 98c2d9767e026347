"""The processes of a running container: podman's top, in Docker's shape.

`ps -ef`'s columns (what dockerd shows without ps_args) come from podman's service child when
it runs (libpod's top reads the same descriptors as `podman top`, as rows of cells), else from
a `podman top` process; other ps_args run `ps` in the container through `podman top`.
"""

from __future__ import annotations

from typing import Any

from dockershim.engine.containers import Containers
from dockershim.errors import Conflict, InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.translate.container_status import docker_state
from dockershim.translate.container_top import EF_DESCRIPTORS, EF_HEADERS, ef_body, top_body

_TIMEOUT = 30.0


class Top:
    def __init__(
        self, podman: PodmanRunner, containers: Containers, service: PodmanService | None = None
    ) -> None:
        self.podman = podman
        self.containers = containers
        self.service = service

    async def processes(self, ref: str, ps_args: list[str]) -> dict[str, Any]:
        """Docker's {"Titles": [...], "Processes": [[...]]}; 409 unless running or paused."""
        raw = await self.containers.inspect(ref)
        ident = str(raw["Id"])
        if docker_state(str((raw.get("State") or {}).get("Status", ""))) not in (
            "running",
            "paused",
        ):
            raise Conflict(f"Container {ident} is not running")
        custom = bool(ps_args) and ps_args != ["-ef"]
        if custom:
            result = await self.podman.run(["top", "--", ident, *ps_args], check=False)
            if result.returncode != 0:
                raise InvalidParameter(
                    f"ps_args {' '.join(ps_args)!r} are not supported here: "
                    + result.err_text.strip().removeprefix("Error: ")
                )
        else:
            rows = await self._rows(ident)
            if rows is not None:
                return ef_body(rows)
            result = await self.podman.run(["top", "--", ident, *EF_DESCRIPTORS])
        return top_body(result.text, custom=custom)

    async def _rows(self, ident: str) -> list[list[str]] | None:
        """The EF_DESCRIPTORS rows from the service child; None when it does not tell."""
        if self.service is None or not self.service.ready:
            return None
        params = {"ps_args": ",".join(EF_DESCRIPTORS)}
        path = f"/containers/{ident}/top"  # a full id: nothing to escape
        answer = await self.service.call("GET", path, params, timeout=_TIMEOUT)
        data = answer.json() if answer is not None and answer.status == 200 else None
        if not isinstance(data, dict) or data.get("Titles") != EF_HEADERS:
            return None
        rows = data.get("Processes") or []
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == len(EF_HEADERS) and all(isinstance(c, str) for c in r)
            for r in rows
        ):
            return None
        return rows
