"""podman's answers about images, kept on disk between activations.

engine/images.py keeps what `podman images` and `podman image inspect` answered while
containers/storage's image store stays as it was (its mark: the last-write token and the image
file). The service exits when idle; without this copy the next one would start those processes
again on its first `docker images` or image inspect (compose and Testcontainers inspect every
image they use) though nothing changed. Written atomically, mode 0600, under the state dir
(private to the user, gone at reboot), and used only when the mark it was taken at is the
store's mark now: a stale file costs a podman process, never a wrong answer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from dockershim.statefile import read_record, write_record

FILE_NAME = "kept-images.json"
_FORMAT = 1
_MAX_BYTES = 16 << 20  # a larger file is not ours to trust (or to read into memory)


@dataclass
class KeptImages:
    """Answers taken while the image store had `mark`, as JSON text (no caller can change
    what the next one gets): the lists (key: with `--all`) and the inspects of the names
    asked (the text "null" for a name podman does not know)."""

    mark: str
    lists: dict[bool, str] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)


def load(path: str, mark: str) -> KeptImages | None:
    """What a previous service kept at `mark`; None when it kept nothing at that mark."""
    record = read_record(path, _FORMAT, _MAX_BYTES)
    if record is None or record.get("mark") != mark:
        return None
    lists, found = record.get("lists"), record.get("found")
    if not isinstance(lists, dict) or not isinstance(found, dict):
        return None
    texts = [*lists.values(), *found.values()]
    if not all(isinstance(t, str) for t in texts):
        return None
    return KeptImages(
        mark,
        {key == "all": text for key, text in lists.items()},
        {str(k): v for k, v in found.items()},
    )


def save(path: str, kept: KeptImages) -> None:
    """`kept` on disk, replacing what was there (nothing written when the disk refuses)."""
    lists = {("all" if everything else "tagged"): text for everything, text in kept.lists.items()}
    record = {"format": _FORMAT, "mark": kept.mark, "lists": lists, "found": kept.found}
    with contextlib.suppress(OSError):
        write_record(path, record)
