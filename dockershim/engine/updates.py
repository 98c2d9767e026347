"""`POST /containers/{id}/update` on podman: resources through `podman update`, the restart
policy through engine/restart_policy.py (same container id).

On hosts where rootless podman cannot change cgroup limits (cgroups v1, or a container that is
not running), dockerd's behaviour on a kernel without the controllers is followed: the update
succeeds with one warning per discarded limit (translate/update.py).
"""

from __future__ import annotations

from typing import Any

from dockershim.engine.restart_policy import set_restart_policy
from dockershim.errors import Conflict
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.podman.facts import Learned
from dockershim.translate.update import cgroup_warnings, restart_change, update_flags

_CGROUP_FAILURES = ("cgroup", "runc update", "crun update", "container does not exist")


class Updates:
    def __init__(self, podman: PodmanRunner, learned: Learned, state_dir: str | None) -> None:
        self.podman = podman
        self._learned = learned
        self._state_dir = state_dir

    async def update(self, inspected: dict[str, Any], body: dict[str, Any]) -> list[str]:
        """Apply an update body to the container podman inspected; the warnings."""
        flags, fields = update_flags(body)
        host = inspected.get("HostConfig") or {}
        container_id = str(inspected["Id"])
        try:
            restart = restart_change(body, host.get("RestartPolicy"), bool(host.get("AutoRemove")))
        except Conflict as exc:  # dockerd words its UpdateContainer errors so
            raise Conflict(f"Cannot update container {container_id}: {exc.message}") from None
        warnings: list[str] = []
        if flags:
            result = await self.podman.run(["update", *flags, "--", container_id], check=False)
            if result.returncode != 0:
                if any(text in result.err_text for text in _CGROUP_FAILURES):
                    warnings = cgroup_warnings(fields)
                else:
                    raise classify(result.err_text, result.returncode)
        if restart is not None:
            await set_restart_policy(
                self.podman, self._learned, container_id, *restart, state_dir=self._state_dir
            )
        return warnings
