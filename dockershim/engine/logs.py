"""A container's log, read by one `podman logs` child (started while the container is looked
up: TTY or not decides the framing, so one round trip less)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockershim.engine.containers import Containers, check_ref
from dockershim.errors import InvalidParameter
from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.translate.container_logs import logs_argv
from dockershim.translate.container_status import docker_state

_ENDED = ("exited", "dead")


@dataclass(frozen=True)
class LogWindow:
    follow: bool
    tail: str  # a number of lines, or "all"
    since_ns: int  # 0: from the start
    until_ns: int  # 0: up to now
    timestamps: bool


@dataclass
class LogReader:
    """The running reader (its stdout and stderr are the container's) and podman's inspect
    JSON of the container. The caller closes `child`."""

    child: SpawnedProcess
    container: dict[str, Any]

    @property
    def tty(self) -> bool:
        return bool((self.container.get("Config") or {}).get("Tty"))


class Logs:
    def __init__(self, podman: PodmanRunner, containers: Containers) -> None:
        self.podman = podman
        self.containers = containers

    async def open(self, ref: str, window: LogWindow) -> LogReader:
        follow = window.follow
        if follow and docker_state((await self.containers.facts(ref)).status) in _ENDED:
            # As dockerd, no following a container that has ended; podman's follow of one
            # can stop before the end of its file (containers/podman#21914): under load,
            # docker-py's `run` (start, then logs with follow) got an empty answer.
            follow = False
        argv = logs_argv(
            check_ref(ref),
            follow=follow,
            tail=window.tail,
            since=window.since_ns,
            until=window.until_ns,
            timestamps=window.timestamps,
        )
        child = await self.podman.spawn(argv)
        try:
            raw = await self.containers.inspect(ref)
            config = (raw.get("HostConfig") or {}).get("LogConfig") or {}
            if str(config.get("Type") or "") == "none":
                raise InvalidParameter('configured logging driver does not support reading: "none"')
        except BaseException:
            await child.close()
            raise
        return LogReader(child, raw)
