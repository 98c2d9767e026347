"""Images to and from archives and containers on podman: save, load, import, commit.

Archives the client uploads are files here already (the routes spool them within the disk
budget, api/diskbudget.py); podman reads them by path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from dockershim.engine.child import Child
from dockershim.engine.transfer import error_line
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.translate import commit as tcommit
from dockershim.translate.progress import loaded_names

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageChanges:
    """Dockerfile instructions and a message for the image made (import, commit)."""

    changes: tuple[str, ...] = ()
    message: str | None = None


def _load_error(text: str) -> str:
    message = error_line(text, "podman load failed")
    if message.startswith("payload does not match any of the supported image formats"):
        return "invalid archive: not a docker-archive or OCI image archive"
    return message


def _cannot_pause(stderr: str) -> bool:
    return bool(re.search(r"can ?not pause|pausing container .* to commit", stderr))


def _last_id(text: str) -> str:
    lines = text.strip().splitlines()
    return f"sha256:{lines[-1].removeprefix('sha256:')}" if lines else "sha256:"


class ImageArchives:
    def __init__(self, podman: PodmanRunner) -> None:
        self.podman = podman
        # podman refused to pause for a commit (rootless on cgroup v1: no freezer); a host's
        # property, so the commits after it go unpaused at once instead of failing first
        self._cannot_pause = False

    async def save(self, sources: list[str]) -> Child:
        """A `podman save` child writing a docker-archive of `sources` (local names or IDs)
        to its stdout; the caller closes it."""
        argv = ["save", "--format", "docker-archive"]
        if len(sources) > 1:
            argv.append("--multi-image-archive")
        return await self.podman.spawn([*argv, "--", *sources])

    async def load(self, path: str) -> tuple[list[str], str | None]:
        """The names (or IDs) loaded from the plain tar at `path`, or why it failed in
        dockerd's words (dockerd reports that in-band, so it is not raised)."""
        result = await self.podman.run(["load", "--input", path], timeout=600, check=False)
        if result.returncode != 0:
            return [], _load_error(result.err_text)
        return loaded_names(result.text), None

    async def import_(
        self, source: str, name: str | None, platform: str | None, changes: ImageChanges
    ) -> str:
        """`podman import` of a file path or an http(s) URL; the new image's sha256: ID."""
        args = ["import", *_change_args(changes)]
        if platform:
            args += ["--platform", platform]
        result = await self.podman.run(
            [*args, "--", source] + ([name] if name else []), timeout=600
        )
        return _last_id(result.text)

    async def commit(
        self,
        container: str,
        target: str | None,
        config: dict[str, Any],
        changes: ImageChanges,
        *,
        author: str | None,
        pause: bool,
    ) -> str:
        """`podman commit` in Docker's image format; the new image's sha256: ID. Rootless
        podman on cgroup v1 cannot pause: then the container is committed running."""
        args = ["commit", "--format", "docker", *tcommit.config_changes(config)]
        args += _change_args(changes)
        if author:
            args += ["--author", author]
        tail = ["--quiet", "--", container] + ([target] if target else [])
        pause = pause and not self._cannot_pause
        result = await self.podman.run(
            [*args, f"--pause={str(pause).lower()}", *tail], timeout=600, check=False
        )
        if result.returncode != 0 and pause and _cannot_pause(result.err_text):
            log.info("commits without pausing from now on: %s", result.err_text.strip())
            self._cannot_pause = True
            result = await self.podman.run(
                [*args, "--pause=false", *tail], timeout=600, check=False
            )
        if result.returncode != 0:
            raise classify(result.err_text, result.returncode)
        return _last_id(result.text)


def _change_args(changes: ImageChanges) -> list[str]:
    """`--change` and `--message` options, as import and commit both take them."""
    args: list[str] = []
    for change in changes.changes:
        args += tcommit.change_args(change)
    if changes.message:
        args += ["--message", changes.message]
    return args
