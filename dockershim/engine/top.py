"""The processes of a running container: `podman top`, in Docker's shape."""

from __future__ import annotations

from typing import Any

from dockershim.engine.containers import Containers
from dockershim.errors import Conflict, InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.translate.container_status import docker_state
from dockershim.translate.container_top import EF_DESCRIPTORS, top_body


class Top:
    def __init__(self, podman: PodmanRunner, containers: Containers) -> None:
        self.podman = podman
        self.containers = containers

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
            result = await self.podman.run(["top", "--", ident, *EF_DESCRIPTORS])
        return top_body(result.text, custom=custom)
