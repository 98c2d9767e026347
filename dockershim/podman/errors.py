"""Classify podman's stderr into the Docker error tree, worded as dockerd words it.

One table of libpod's error texts (podman 4.x). Clients match on Docker's words ("No such
container: x", "is already in use by container"), so known errors are reworded; anything else
keeps podman's text, without its "Error: " prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dockershim.errors import (
    Conflict,
    DockerError,
    InvalidParameter,
    NotFound,
    Unauthorized,
)

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], str], DockerError]]

PODMAN_FAILED = 125  # the exit status of a podman command that failed itself (not the container)


def _msg(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln and not _is_warning(ln)]
    last = lines[-1] if lines else text.strip()
    return last.removeprefix("Error: ").strip() or "podman failed"


def _is_warning(line: str) -> bool:
    return (line.startswith("time=") and "level=warning" in line) or line.startswith("WARN[")


def _name_conflict(m: re.Match[str], _: str) -> DockerError:
    return Conflict(
        f'Conflict. The container name "/{m["name"]}" is already in use by container '
        f'"{m["id"]}". You have to remove (or rename) that container to be able to reuse that name.'
    )


_RULES: list[_Rule] = [
    (
        re.compile(r'no container with (?:name or )?ID "?(?P<ref>[^"\s]+)"? found'),
        lambda m, _: NotFound(f"No such container: {m['ref']}"),
    ),
    (
        re.compile(r"no such container:? (?P<ref>\S+)"),
        lambda m, _: NotFound(f"No such container: {m['ref']}"),
    ),
    (
        re.compile(r'the container name "(?P<name>[^"]+)" is already in use by (?P<id>[0-9a-f]+)'),
        _name_conflict,
    ),
    (
        re.compile(r"(?P<ref>\S+): image not known"),
        lambda m, _: NotFound(f"No such image: {m['ref']}"),
    ),
    (
        re.compile(r"unable to find network with name or ID (?P<ref>\S+): network not found"),
        lambda m, _: NotFound(f"network {m['ref']} not found"),
    ),
    (
        re.compile(r'no volume with name "(?P<ref>[^"]+)" found'),
        lambda m, _: NotFound(f"get {m['ref']}: no such volume"),
    ),
    (
        re.compile(r"no such volume (?P<ref>\S+)"),
        lambda m, _: NotFound(f"get {m['ref']}: no such volume"),
    ),
    (re.compile(r"no such exec session"), lambda m, t: NotFound(_msg(t))),
    (re.compile(r"container state improper"), lambda m, t: Conflict(_msg(t))),
    (re.compile(r"is being used|is in use|in use by"), lambda m, t: Conflict(_msg(t))),
    (re.compile(r"already exists"), lambda m, t: Conflict(_msg(t))),
    (
        re.compile(r"unauthorized|authentication required|invalid username/password", re.I),
        lambda m, t: Unauthorized(_msg(t)),
    ),
    (
        # podman's own checks of what it was given: the client's input, not our failure
        re.compile(
            r"invalid (?:argument|reference format|label format)|unknown flag|failed to parse"
        ),
        lambda m, t: InvalidParameter(_msg(t)),
    ),
]


def classify(stderr: str, returncode: int = 1) -> DockerError:
    """Turn a failed podman call into the DockerError a Docker client expects."""
    for pattern, make in _RULES:
        match = pattern.search(stderr)
        if match:
            return make(match, stderr)
    if not stderr.strip():
        return DockerError(f"podman exited with status {returncode}")
    return DockerError(_msg(stderr))


def classify_service(message: str) -> DockerError:
    """An error message of podman's libpod API (its service child), read as the same failure
    of a podman command would be."""
    return classify(f"Error: {message}", PODMAN_FAILED)
