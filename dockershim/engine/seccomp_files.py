"""Seccomp profiles a client sent (translate/security_opts.py) as the files podman reads.

Each is written for one create into a folder of dockershim's state (the user's alone) and
removed after it: podman copies the profile into the container's spec at create and never
reads the file again (a restart keeps the filter). So a client cannot make dockershim keep
files, and errors name "the seccomp profile", not a path of dockershim's.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

from dockershim.errors import DockerError
from dockershim.translate.security_opts import SeccompProfile


class ProfileFiles:
    def __init__(self, state_dir: str | None) -> None:
        self.folder = Path(state_dir, "seccomp") if state_dir else None

    @contextlib.contextmanager
    def placed(self, argv: Sequence[str]) -> Iterator[tuple[list[str], list[str]]]:
        """The argv with each profile as `seccomp=FILE`, and the files (gone afterwards)."""
        out: list[str] = []
        files: list[str] = []
        try:
            for arg in argv:
                if isinstance(arg, SeccompProfile):
                    path = self._write(arg.profile)
                    files.append(path)
                    arg = "seccomp=" + path
                out.append(arg)
            yield out, files
        finally:
            for path in files:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def _write(self, profile: str) -> str:
        if self.folder is None:  # only an engine made without one (unit tests of routes)
            raise DockerError("seccomp profiles need dockershim's state folder")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / f"profile-{secrets.token_hex(8)}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(profile)
        return str(path)


def without_paths(text: str, files: Sequence[str]) -> str:
    """podman's message with the profile files named as what they are."""
    for path in files:
        text = text.replace(path, "the seccomp profile")
    return text
