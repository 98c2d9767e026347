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
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from dockershim.statefile import read_record, write_record

FILE_NAME = "kept-inspects.json"
_FORMAT = 2  # 2: with the network namespace
_MAX_BYTES = 64 << 20  # a larger file is not ours to trust (or to read into memory)


@dataclass(frozen=True)
class Kept:
    """podman's inspect JSON of a container (as text: no caller can change it) and what it
    was taken at: the fingerprint, the digest of the setup, the state, the healthcheck log,
    the network namespace."""

    fingerprint: str
    setup: str  # hex digest
    state: dict[str, Any]
    health_mark: str
    text: str
    netns: str = ""  # the network namespace it was taken in

    @cached_property
    def view(self) -> Mapping[str, Any]:
        """The JSON parsed once and shared by the reads that only look at it (lists, which
        would otherwise parse every container's JSON on every request); not saved."""
        parsed: dict[str, Any] = json.loads(self.text)
        return parsed


def load(state_dir: str) -> dict[str, Kept]:
    record = read_record(os.path.join(state_dir, FILE_NAME), _FORMAT, _MAX_BYTES)
    try:
        return {str(k): Kept(**v) for k, v in ((record or {}).get("kept") or {}).items()}
    except (TypeError, AttributeError):
        return {}


def save(state_dir: str, kept: dict[str, Kept]) -> None:
    record = {"format": _FORMAT, "kept": {k: asdict(v) for k, v in kept.items()}}
    with contextlib.suppress(OSError):
        write_record(os.path.join(state_dir, FILE_NAME), record)
