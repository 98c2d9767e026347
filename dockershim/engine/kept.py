"""The inspect JSON the engine keeps per container, and its copy on disk between activations.

The service exits when idle; the next one would otherwise inspect every container with the CLI
on its first `docker ps`. The kept entries are written (debounced, atomically, mode 0600) to
`<state dir>/kept-inspects.json` under $XDG_RUNTIME_DIR (private to the user, gone at reboot)
and read back by the next service. An entry is only ever used while its fingerprint matches
podman's stored state, so a stale file can cost an inspect, never a wrong answer.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

FILE_NAME = "kept-inspects.json"
_FORMAT = 1
_MAX_BYTES = 64 << 20  # a larger file is not ours to trust (or to read into memory)


@dataclass(frozen=True)
class Kept:
    """podman's inspect JSON of a container (as text: no caller can change it) and what it
    was taken at: the fingerprint, the digest of the setup, the state, the healthcheck log."""

    fingerprint: str
    setup: str  # hex digest
    state: dict[str, Any]
    health_mark: str
    text: str


def load(state_dir: str) -> dict[str, Kept]:
    path = os.path.join(state_dir, FILE_NAME)
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            return {}
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        if not isinstance(record, dict) or record.get("format") != _FORMAT:
            return {}
        return {str(k): Kept(**v) for k, v in (record.get("kept") or {}).items()}
    except (OSError, ValueError, TypeError):
        return {}


def save(state_dir: str, kept: dict[str, Kept]) -> None:
    with contextlib.suppress(OSError):
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        path = os.path.join(state_dir, FILE_NAME)
        tmp = f"{path}.tmp{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"format": _FORMAT, "kept": {k: asdict(v) for k, v in kept.items()}}, out)
        os.replace(tmp, path)
