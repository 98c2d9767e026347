"""Commits where rootless podman cannot pause (cgroup v1): the first commit learns it from
podman's refusal and commits running; the ones after it ask unpaused at once."""

from __future__ import annotations

import pytest

from dockershim.engine.image_archives import ImageArchives, ImageChanges
from tests.fakes import FakePodman

_ID = "a" * 64
_COMMIT = ["commit", "--format", "docker"]  # the argv's head with no config, changes or author


def _no_freezer() -> FakePodman:
    podman = FakePodman()
    podman.answer([*_COMMIT, "--pause=false"], f"{_ID}\n")
    refusal = "Error: pausing container x to commit: can not pause containers on rootless"
    podman.answer([*_COMMIT, "--pause=true"], stderr=refusal + " cgroup V1\n", rc=125)
    return podman


@pytest.mark.asyncio
async def test_a_host_that_cannot_pause_is_learned_once() -> None:
    podman = _no_freezer()
    archives = ImageArchives(podman)
    changes = ImageChanges((), None)
    for _ in range(2):
        made = await archives.commit("ct", "localhost/x:1", {}, changes, author=None, pause=True)
        assert made == f"sha256:{_ID}"
    pauses = [next(a for a in call if a.startswith("--pause=")) for call in podman.calls]
    assert pauses == ["--pause=true", "--pause=false", "--pause=false"]
    # asked not to pause, nothing to learn
    fresh = _no_freezer()
    await ImageArchives(fresh).commit("ct", None, {}, changes, author=None, pause=False)
    assert [a for a in fresh.calls[0] if a.startswith("--pause=")] == ["--pause=false"]
