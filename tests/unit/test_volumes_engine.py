"""engine/volumes.py over podman's state: lists and unused volumes from the records, podman's
CLI when the state cannot be read or a record is one podman's plugin answers for."""

from __future__ import annotations

import json

import pytest

from dockershim.engine.volumes import Volumes
from dockershim.podman.libpod_state import Snapshot, VolumeRecord
from tests.fakes import FakePodman

CTR = "c" * 64


def _record(name: str, users: tuple[str, ...] = (), driver: str = "") -> VolumeRecord:
    config = {"name": name, "mountPoint": f"/v/{name}/_data", "volumeDriver": driver}
    return VolumeRecord(json.dumps(config).encode(), b"", users)


def _volumes(podman: FakePodman, records: list[VolumeRecord] | None) -> Volumes:
    snap = None
    if records is not None:
        named = {json.loads(r.config)["name"]: r for r in records}
        snap = Snapshot(containers={}, names={}, volumes=named, tmp_dir="/tmp")

    async def snapshot() -> Snapshot | None:
        return snap

    return Volumes(podman, snapshot)


def _cli() -> FakePodman:
    podman = FakePodman()
    # the latest answer given is matched first: the longer prefix goes last
    podman.answer(["volume", "ls", "--format", "json"], [{"Name": "cli"}])
    podman.answer(["volume", "ls", "--format", "json", "--filter"], [{"Name": "cli-unused"}])
    return podman


@pytest.mark.asyncio
async def test_unused_volumes_from_the_records_without_a_process() -> None:
    podman = _cli()
    volumes = _volumes(podman, [_record("a", (CTR,)), _record("b")])
    assert [v["Name"] for v in await volumes.listing()] == ["a", "b"]
    assert [v["Name"] for v in await volumes.dangling()] == ["b"]
    assert podman.calls == []


@pytest.mark.asyncio
async def test_unreadable_state_or_a_plugin_volume_asks_podman() -> None:
    podman = _cli()
    assert [v["Name"] for v in await _volumes(podman, None).dangling()] == ["cli-unused"]
    plugin = _volumes(podman, [_record("a"), _record("p", driver="some-plugin")])
    assert [v["Name"] for v in await plugin.dangling()] == ["cli-unused"]
    assert [v["Name"] for v in await plugin.listing()] == ["cli"]
    in_use = _volumes(podman, [_record("a"), _record("p", (CTR,), driver="some-plugin")])
    podman.calls.clear()
    assert [v["Name"] for v in await in_use.dangling()] == ["a"]  # the plugin's is in use
    assert podman.calls == []
