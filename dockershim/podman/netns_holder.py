"""The pods that hold rootless podman 4's network namespace (engine/netns_hold.py): made,
started and removed through podman's service child when it runs, else as podman processes.

This module imports nothing of the engine, so that api/lazyapp.py can start a cold service's
holder while the full app is still being imported (~0.2 s of podman's work off a first
`docker run`'s path).
"""

from __future__ import annotations

import logging

from dockershim.errors import DockerError
from dockershim.podman.runner import PodmanRunner
from dockershim.podman.service_child import PodmanService

log = logging.getLogger(__name__)

_TIMEOUT = 60.0


def shares_rootless_netns(version: dict[str, object], info: dict[str, object]) -> bool:
    """Rootless podman before 5, from its version and info: bridge networks share one
    namespace, which podman takes down with the last bridge container."""
    host = info.get("host")
    security = host.get("security") if isinstance(host, dict) else None
    rootless = bool(security.get("rootless")) if isinstance(security, dict) else False
    client = version.get("Client")
    release = str(client.get("Version") or "") if isinstance(client, dict) else ""
    major = release.partition(".")[0]
    return rootless and major.isdigit() and int(major) < 5


async def start_holder(
    podman: PodmanRunner, service: PodmanService | None, pod: str, infra: str
) -> bool:
    """A pod whose infra container (named `infra`) sits on podman's default network (no
    DNS), started; whether it runs (a failure is logged, and what was made of it removed).

    Through the service child when it runs (~0.1 s: create 16 ms, start ~95), else as two
    podman processes (~0.35 s of CPU here), which a cold service's first `docker run` would
    share its two cores with."""
    try:
        if not await _start_in_child(service, pod, infra):
            create = ["pod", "create", "--name", pod, "--infra-name", infra]
            await podman.run([*create, "--network", "bridge"], timeout=_TIMEOUT)
            await podman.run(["pod", "start", "--", pod], timeout=_TIMEOUT)
    except DockerError as exc:
        log.warning("could not hold podman's rootless network namespace: %s", exc.message)
        await remove_holder(podman, service, pod)
        return False
    return True


async def _start_in_child(service: PodmanService | None, pod: str, infra: str) -> bool:
    """`start_holder` through the child: True once the pod runs, False when the child cannot
    take it (then the CLI does); a failure of podman's is raised."""
    if service is None:
        return False
    spec = {"name": pod, "infra_name": infra, "netns": {"nsmode": "bridge"}}
    made = await service.call("POST", "/pods/create", body=spec, timeout=_TIMEOUT, repeatable=False)
    if made is None:
        return False
    if made.status != 201:
        raise DockerError(made.message)
    started = await service.call("POST", f"/pods/{pod}/start", timeout=_TIMEOUT)
    if started is None:  # the child went away: the CLI starts what it made
        return False
    report = started.json()
    errors = report.get("Errs") if isinstance(report, dict) else None
    if started.status not in (200, 304) or errors:
        raise DockerError(started.message if started.status >= 400 else str(errors))
    return True


async def remove_holder(podman: PodmanRunner, service: PodmanService | None, pod: str) -> None:
    if service is not None:
        query = {"force": "true"}
        gone = await service.call("DELETE", f"/pods/{pod}", query, timeout=_TIMEOUT)
        if gone is not None and gone.status in (200, 404):
            return
    await podman.run(["pod", "rm", "--force", "--", pod], check=False, timeout=_TIMEOUT)
