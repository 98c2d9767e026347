"""dockershim's own small JSON records under the state dir (kept inspects, container notes,
podman's facts): written atomically and private, read back only when whole and of the format
the reader knows. Standard library only: every layer may use it."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any


def default_state_dir() -> str:
    """Where dockershim keeps its records: under the user's runtime dir, so they live as long
    as the user's session (across idle exits) and no longer."""
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return os.path.join(runtime_dir, "dockershim")


def read_record(path: str, fmt: int, max_bytes: int | None = None) -> dict[str, Any] | None:
    """The JSON object at `path` if its "format" is `fmt`; None when missing, unreadable, of
    another format, or larger than `max_bytes` (not ours to trust, or to read into memory)."""
    try:
        if max_bytes is not None and os.path.getsize(path) > max_bytes:
            return None
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != fmt:
        return None
    return record


def write_record(path: str, record: dict[str, Any], *, durable: bool = False) -> None:
    """`record` at `path`, whole or not at all: a 0600 file beside it, renamed over it (its
    folder made 0700 when missing). `durable` syncs it to disk first. Raises OSError."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
