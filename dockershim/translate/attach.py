"""Attach: podman's container inspect -> the facts attach needs; attach options -> podman argv.

`POST /containers/{id}/attach` query: stream, logs, stdin, stdout, stderr, detachKeys (all
handled). A running container is attached with `podman attach`; one that has not started yet is
started by the attach session itself with `podman start --attach` when the client's start
arrives (so the first output is not lost); `logs=1` replays `podman logs` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockershim.errors import DockerError, InvalidParameter
from dockershim.translate.container_fields import ANN_CONSOLE_SIZE
from dockershim.translate.validate import digits

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
_CTRL_SPECIAL = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}
RUNNING_STATES = ("running", "paused")
NOT_STARTED = ("created", "configured", "initialized")  # podman's states before a first start


def parse_detach_keys(spec: str) -> bytes:
    """Docker's detach-key format (`ctrl-p,ctrl-q`, `a`, `ctrl-@` ...) -> bytes; "" -> b""."""
    if spec == "":
        return b""
    out = bytearray()
    for key in spec.split(","):
        if len(key) == 1 and key.isascii():  # one byte in Go, where dockerd measures it
            out.append(ord(key))
            continue
        lowered = key.lower()
        value = lowered[5:]
        if not lowered.startswith("ctrl-") or len(value) != 1:
            raise InvalidParameter(f"Invalid detach keys ({spec}) provided")
        if "a" <= value <= "z":
            out.append(ord(value) - ord("a") + 1)
        elif value in _CTRL_SPECIAL:
            out.append(_CTRL_SPECIAL[value])
        else:
            raise InvalidParameter(f"Invalid detach keys ({spec}) provided")
    return bytes(out)


@dataclass(frozen=True)
class ContainerFacts:
    id: str
    status: str  # podman's: created, configured, initialized, running, paused, exited, ...
    tty: bool
    open_stdin: bool
    console_size: tuple[int, int] | None = None  # from create's HostConfig.ConsoleSize

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATES

    @property
    def never_started(self) -> bool:
        return self.status in NOT_STARTED


def container_facts(inspect: Any) -> ContainerFacts:
    """From `podman container inspect` output (a list with one object)."""
    data = inspect[0] if isinstance(inspect, list) and inspect else inspect
    if not isinstance(data, dict):
        raise DockerError("podman container inspect returned no container")
    state = data.get("State") or {}
    config = data.get("Config") or {}
    return ContainerFacts(
        id=str(data.get("Id", "")),
        status=str(state.get("Status", "")).lower(),
        tty=bool(config.get("Tty")),
        open_stdin=bool(config.get("OpenStdin")),
        console_size=console_size((config.get("Annotations") or {}).get(ANN_CONSOLE_SIZE)),
    )


def console_size(value: Any) -> tuple[int, int] | None:
    rows, _, cols = str(value or "").partition("x")
    if digits(rows) and digits(cols) and int(rows) > 0 and int(cols) > 0:
        return int(rows), int(cols)
    return None


def attach_argv(container_id: str, *, stdin: bool) -> list[str]:
    """Attach to a running container. Signals and detach keys stay with dockershim."""
    argv = ["attach", "--sig-proxy=false", "--detach-keys="]
    if not stdin:
        argv.append("--no-stdin")
    return [*argv, "--", container_id]


def start_attached_argv(container_id: str, *, stdin: bool) -> list[str]:
    """Start a container with this session already attached (docker run's attach-then-start)."""
    argv = ["start", "--attach", "--sig-proxy=false", "--detach-keys="]
    if stdin:
        argv.append("--interactive")
    return [*argv, "--", container_id]


def start_events_argv(container_id: str, since: float) -> list[str]:
    """One line per start of the container from `since` (a Unix time) on."""
    return [
        "events",
        "--since",
        f"{since:.3f}",
        "--filter",
        f"container={container_id}",
        "--filter",
        "event=start",
        "--format",
        "{{.Status}}",
    ]


def stream_content_type(tty: bool, api_version: tuple[int, ...]) -> str:
    if not tty and api_version >= (1, 42):
        return "application/vnd.docker.multiplexed-stream"
    return "application/vnd.docker.raw-stream"
