"""The processes of a running container: podman's top, in Docker's shape.

`ps -ef`'s columns (what dockerd shows without ps_args) come from podman's service child when
it runs (libpod's top reads the same descriptors as `podman top`, as rows of cells), else from
a `podman top` process. Other ps_args run `ps` in the container (or psgo's descriptors) the
same way, through the child when one string says what the client's words say.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from dockershim.engine.containers import Containers
from dockershim.errors import Conflict, InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import PodmanService, ok_json
from dockershim.translate.container_status import docker_state
from dockershim.translate.container_top import (
    EF_DESCRIPTORS,
    EF_HEADERS,
    ef_body,
    one_ps_args,
    rows_table,
    top_body,
)

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
            table = await self._custom_table(ident, ps_args)
            if table is None:
                result = await self.podman.run(["top", "--", ident, *ps_args], check=False)
                if result.returncode != 0:
                    raise InvalidParameter(
                        f"ps_args {' '.join(ps_args)!r} are not supported here: "
                        + result.err_text.strip().removeprefix("Error: ")
                    )
                table = result.text
            return top_body(table, custom=True)
        rows = await self._rows(ident)
        if rows is not None:
            return ef_body(rows)
        result = await self.podman.run(["top", "--", ident, *EF_DESCRIPTORS])
        return top_body(result.text, custom=False)

    async def _custom_table(self, ident: str, ps_args: list[str]) -> str | None:
        """The table of custom ps_args from the service child: libpod's top makes the same
        call with one string as `podman top ID -- WORDS...` with the words (psgo's
        descriptors, else `ps WORDS` in the container; translate/container_top.py
        `one_ps_args`). None when the child does not tell: no such string, or an error (the
        child has already answered 200 then, with nothing in it: the CLI says what went
        wrong)."""
        one = one_ps_args(ps_args)
        if one is None:
            return None
        answer = await self._child_top(ident, one)
        return rows_table(*answer) if answer is not None and answer[0] else None

    async def _rows(self, ident: str) -> list[list[str]] | None:
        """The EF_DESCRIPTORS rows from the service child; None when it does not tell."""
        answer = await self._child_top(ident, ",".join(EF_DESCRIPTORS))
        if answer is None or answer[0] != EF_HEADERS:
            return None
        titles, rows = answer
        return rows if all(len(r) == len(titles) for r in rows) else None

    async def _child_top(
        self, ident: str, ps_args: str
    ) -> tuple[list[str], list[list[str]]] | None:
        """(titles, rows of cells) of libpod's top with `ps_args`; None when the child is not
        running or its answer is not that."""
        if self.service is None or not self.service.ready_else_want():
            return None
        path = f"/containers/{ident}/top"  # a full id: nothing to escape
        answer = await self.service.call("GET", path, {"ps_args": ps_args}, timeout=_TIMEOUT)
        data = ok_json(answer)
        if not isinstance(data, dict):
            return None
        titles, rows = data.get("Titles"), data.get("Processes") or []
        if not _strings(titles) or not isinstance(rows, list):
            return None
        cells = [r for r in rows if _strings(r)]
        return (titles, cells) if len(cells) == len(rows) else None


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(c, str) for c in value)
