"""What the routes share: the podman runner, the service's settings, what it learned of
podman, its live sessions and the engine.

FastAPI-free on purpose: a cold service opens it for its first reads before FastAPI and the
routers are imported (api/lazyapp.py), and the full app is then built around the same one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from dockershim.engine import Engine
from dockershim.podman import PodmanRunner, restart_backup
from dockershim.podman.facts import Learned
from dockershim.podman.service_child import PodmanService
from dockershim.streams.sessions import Sessions


@dataclass
class Backend:
    podman: PodmanRunner
    state_dir: str
    learned: Learned = field(default_factory=Learned)  # podman's facts, asked once
    service: PodmanService | None = None  # a podman service child already starting
    hold_ahead: asyncio.Future[str | None] | None = None  # a keeper pod already starting
    sessions: Sessions = field(default_factory=Sessions)  # live attach and exec sessions
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = Engine(
            self.podman, self.learned, self.state_dir, self.service, self.hold_ahead
        )


def open_backend(
    podman: PodmanRunner,
    state_dir: str,
    learned: Learned | None = None,
    service: PodmanService | None = None,
    hold_ahead: asyncio.Future[str | None] | None = None,
) -> Backend:
    """The service's one Backend. A restart-policy patch the last run could not confirm is
    undone first, before any request reads podman's state (podman/restart_backup.py)."""
    restart_backup.recover(state_dir)
    return Backend(
        podman=podman,
        state_dir=state_dir,
        learned=learned or Learned(),
        service=service,
        hold_ahead=hold_ahead,
    )
