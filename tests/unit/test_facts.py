"""podman version/info kept on disk between activations, while nothing they come from changed."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from dockershim.podman import facts
from tests.fakes import FakePodman, fixture_json


def _podman(tmp_path: Path) -> FakePodman:
    """A fake podman whose environment points at a private HOME and a binary of its own."""
    binary = tmp_path / "bin" / "podman-fake"
    if not binary.exists():
        binary.parent.mkdir()
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    podman = FakePodman()
    podman.env = {"PATH": str(binary.parent), "HOME": str(tmp_path / "home")}
    podman.answer(["version", "--format", "json"], {"Client": {"Version": "4.3.1"}})
    podman.answer(["info", "--format", "json"], fixture_json("info.json"))
    return podman


async def _facts(podman: FakePodman, state: Path) -> tuple[Any, str]:
    learned = facts.Learned()
    version, info = await facts.static_facts(podman, learned, str(state))
    return (version, info), learned.facts_from


async def test_a_new_service_reads_them_back(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = _podman(tmp_path)
    taken, origin = await _facts(first, state)
    assert origin == "podman" and len(first.calls) == 2
    stored = state / facts.FILE_NAME
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    second = _podman(tmp_path)
    again, origin = await _facts(second, state)
    assert origin == "disk" and second.calls == [] and again == taken


async def test_a_changed_config_file_or_binary_takes_them_again(tmp_path: Path) -> None:
    state = tmp_path / "state"
    await _facts(_podman(tmp_path), state)
    config = tmp_path / "home" / ".config" / "containers"
    config.mkdir(parents=True)  # a new user configuration folder
    (config / "storage.conf").write_text('[storage]\ndriver = "overlay"\n')
    podman = _podman(tmp_path)
    assert (await _facts(podman, state))[1] == "podman"
    assert (await _facts(_podman(tmp_path), state))[1] == "disk"
    (config / "storage.conf").write_text('[storage]\ndriver = "vfs"\n')  # edited
    assert (await _facts(_podman(tmp_path), state))[1] == "podman"
    binary = tmp_path / "bin" / "podman-fake"
    os.utime(binary, ns=(0, 0))  # podman upgraded
    assert (await _facts(_podman(tmp_path), state))[1] == "podman"
    other = _podman(tmp_path)
    other.env = {**(other.env or {}), "CONTAINERS_CONF": str(tmp_path / "other.conf")}
    assert (await _facts(other, state))[1] == "podman"


async def test_a_missing_or_broken_file_is_no_answer(tmp_path: Path) -> None:
    podman = _podman(tmp_path)
    assert facts.load(str(tmp_path / "nowhere"), podman) is None
    (tmp_path / facts.FILE_NAME).write_text("{not json")
    assert facts.load(str(tmp_path), podman) is None
    assert (await _facts(podman, tmp_path))[1] == "podman"  # and it is replaced
    assert facts.load(str(tmp_path), podman) is not None
