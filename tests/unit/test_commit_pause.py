"""Commits where rootless podman cannot pause (cgroup v1): the first commit learns it from
podman's refusal and commits running; the ones after it ask unpaused at once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from dockershim.engine.image_archives import ImageArchives, ImageChanges
from dockershim.podman.lanes import Kind
from dockershim.podman.runner import Completed
from tests.fakes import FakePodman

_ID = "a" * 64


class _NoFreezer(FakePodman):
    async def run(
        self,
        args: Sequence[str],
        *,
        timeout: float | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        kind: Kind | None = None,
    ) -> Completed:
        self.calls.append(list(args))
        if "--pause=true" in args:
            err = b"Error: pausing container x to commit: can not pause containers on rootless"
            return Completed(["podman", *args], 125, b"", err + b" cgroup V1\n")
        return Completed(["podman", *args], 0, f"{_ID}\n".encode(), b"")


@pytest.mark.asyncio
async def test_a_host_that_cannot_pause_is_learned_once() -> None:
    podman = _NoFreezer()
    archives = ImageArchives(podman)
    changes = ImageChanges((), None)
    for _ in range(2):
        made = await archives.commit("ct", "localhost/x:1", {}, changes, author=None, pause=True)
        assert made == f"sha256:{_ID}"
    pauses = [next(a for a in call if a.startswith("--pause=")) for call in podman.calls]
    assert pauses == ["--pause=true", "--pause=false", "--pause=false"]
    # asked not to pause, nothing to learn
    fresh = _NoFreezer()
    await ImageArchives(fresh).commit("ct", None, {}, changes, author=None, pause=False)
    assert [a for a in fresh.calls[0] if a.startswith("--pause=")] == ["--pause=false"]
