"""The inspect JSON the engine keeps per container, its copy on disk between activations, and
the parsed views of it that lists share.

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
from typing import Any

from dockershim.statefile import read_record, write_record

FILE_NAME = "kept-inspects.json"
_FORMAT = 2  # 2: with the network namespace
_MAX_BYTES = 64 << 20  # a larger file is not ours to trust (or to read into memory)
VIEWS_BUDGET = 8 << 20  # texts of parsed views held: ~1200 containers of ~7 KiB, ~35 MiB


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


class Views:
    """The kept JSON parsed once per entry and shared by the reads that only look at it (a
    list parsed every container's JSON on every request: 0.35 ms of 20 containers'). A parsed
    copy takes ~4x its text, so views are held only while their texts total `budget` bytes;
    past it, a read parses its own."""

    def __init__(self, budget: int = VIEWS_BUDGET) -> None:
        self._held: dict[str, tuple[Kept, Mapping[str, Any]]] = {}
        self._size = 0
        self._budget = budget

    def of(self, container_id: str, kept: Kept) -> Mapping[str, Any]:
        held = self._held.get(container_id)
        if held is not None and held[0] is kept:
            return held[1]
        self.drop(container_id)
        view: dict[str, Any] = json.loads(kept.text)
        if self._size + len(kept.text) <= self._budget:
            self._held[container_id] = (kept, view)
            self._size += len(kept.text)
        return view

    def drop(self, container_id: str) -> None:
        held = self._held.pop(container_id, None)
        if held is not None:
            self._size -= len(held[0].text)


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
