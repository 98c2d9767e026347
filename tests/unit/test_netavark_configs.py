"""podman/netavark_configs.py: netavark's config files read as podman 4.3 reads them, under its
lock; anything podman would read its own way leaves the answer to podman. And engine/networks.py
making the list from them, with the default network as podman last printed it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dockershim.engine.networks import Networks
from dockershim.podman import netavark_configs
from dockershim.podman.netavark_configs import DEFAULT_NETWORK_ID, LOCK_NAME, read_configs
from tests.fakes import FakePodman

LS = ["network", "ls", "--format", "json"]
DEFAULT = {
    "name": "podman", "id": DEFAULT_NETWORK_ID, "driver": "bridge", "network_interface": "podman0",
    "created": "2026-12-07T18:50:06.064064122Z",
    "subnets": [{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}],
    "ipv6_enabled": False, "internal": False, "dns_enabled": False,
    "ipam_options": {"driver": "host-local"},
}  # fmt: skip


def _network(name: str, **fields: Any) -> dict[str, Any]:
    """A config as podman 4.3 writes it (every key, empty maps included)."""
    network: dict[str, Any] = {
        "name": name, "id": (name.encode().hex() * 64)[:64], "driver": "bridge",
        "network_interface": "podman1", "created": "2026-12-07T18:50:05.991376016Z",
        "subnets": [{"subnet": "10.89.0.0/24", "gateway": "10.89.0.1"}],
        "ipv6_enabled": False, "internal": False, "dns_enabled": True,
        "labels": {}, "options": {}, "ipam_options": {"driver": "host-local"},
    }  # fmt: skip
    network.update(fields)
    return network


def _folder(tmp_path: Path, *networks: dict[str, Any]) -> Path:
    folder = tmp_path / "networks"
    folder.mkdir(exist_ok=True)
    (folder / LOCK_NAME).touch()
    for network in networks:
        (folder / f"{network['name']}.json").write_text(json.dumps(network, indent=5))
    return folder


def test_configs_read_as_podman_prints_them(tmp_path: Path) -> None:
    labelled = _network("b", labels={"k": "v"}, options={"mtu": "1400"})
    bare = _network("a", internal=True, dns_enabled=False, subnets=[{"subnet": "10.90.0.0/24"}])
    folder = _folder(tmp_path, labelled, bare)
    (folder / "notes.txt").write_text("not a network")  # podman reads only .json files
    read = read_configs(str(folder))
    assert read is not None
    mark, networks = read
    assert mark == netavark_configs.folder_mark(str(folder))
    expected_bare = {k: v for k, v in bare.items() if k not in ("labels", "options")}
    assert networks == [expected_bare, labelled]  # empty maps left out, as podman prints


@pytest.mark.parametrize(
    "name,content",
    [
        ("x.json", "{not json"),
        ("x.json", json.dumps(_network("y"))),  # not its file's name: podman skips it
        ("x.json", json.dumps(_network("x", id="short"))),
        ("x.json", json.dumps(_network("x", network_dns_servers=["1.1.1.1"]))),  # a newer key
        ("x.json", json.dumps(_network("x", subnets=[{"subnet": "10.91.0.0/24"}]))),  # gateway
        ("-x.json", json.dumps(_network("-x"))),  # a name podman refuses
    ],
)
def test_a_file_podman_reads_its_own_way_is_left_to_podman(
    tmp_path: Path, name: str, content: str
) -> None:
    folder = _folder(tmp_path, _network("a"))
    (folder / name).write_text(content)
    assert read_configs(str(folder)) is None


def test_no_lock_file_no_answer(tmp_path: Path) -> None:
    folder = _folder(tmp_path, _network("a"))
    (folder / LOCK_NAME).unlink()
    assert read_configs(str(folder)) is None


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process holding the lock as podman's writer does (fcntl, exclusive)."""
    script = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(path)!r}, os.O_RDWR)\n"
        "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
        "sys.stdout.write('held\\n'); sys.stdout.flush()\n"
        f"time.sleep({seconds})\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    return holder


def test_a_writer_holding_the_lock_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, _network("a"))
    holder = _hold_lock(folder / LOCK_NAME, 0.3)
    started = time.monotonic()
    try:
        assert read_configs(str(folder)) is not None
        assert time.monotonic() - started >= 0.2  # read once podman's writer let go
    finally:
        holder.wait()
    monkeypatch.setattr(netavark_configs, "_LOCK_WAIT", 0.05)
    holder = _hold_lock(folder / LOCK_NAME, 2)
    try:
        assert read_configs(str(folder)) is None  # not free in time: podman answers
    finally:
        holder.kill()
        holder.wait()


def _networks(folder: Path, podman: FakePodman, state_dir: Path) -> Networks:
    async def where() -> str:
        return str(folder)

    async def config() -> str:
        return "stamp"

    return Networks(podman, where, str(state_dir), config)


@pytest.mark.asyncio
async def test_networks_come_and_go_without_a_podman_process(tmp_path: Path) -> None:
    one = _network("one")
    folder = _folder(tmp_path, one)
    podman = FakePodman()
    printed = {k: v for k, v in one.items() if k not in ("labels", "options")}
    podman.answer(LS, [printed, DEFAULT])  # by name, as podman prints them
    networks = _networks(folder, podman, tmp_path / "state")
    assert [n["name"] for n in await networks.listing()] == ["one", "podman"]
    assert podman.calls == [LS]  # the default network as podman prints it
    (folder / "two.json").write_text(json.dumps(_network("two", labels={"a": "b"})))
    listed = await networks.listing()
    assert [n["name"] for n in listed] == ["one", "podman", "two"]
    assert listed[1] == DEFAULT and listed[2]["labels"] == {"a": "b"}
    (folder / "one.json").unlink()
    assert [n["name"] for n in await networks.listing()] == ["podman", "two"]
    assert podman.calls == [LS]
    # a later service, the folder changed meanwhile: its default network from the record
    (folder / "three.json").write_text(json.dumps(_network("three")))
    later = FakePodman()
    names = [n["name"] for n in await _networks(folder, later, tmp_path / "state").listing()]
    assert names == ["podman", "three", "two"]
    assert later.calls == []
    # a file podman reads its own way: podman's list
    (folder / "four.json").write_text("{")
    podman.answer(LS, [DEFAULT])  # what podman prints now (it skips the file)
    assert await networks.listing() == [DEFAULT]
    assert podman.calls == [LS, LS]


@pytest.mark.asyncio
async def test_a_default_network_with_a_file_is_never_made_up(tmp_path: Path) -> None:
    custom = _network("podman", id=DEFAULT_NETWORK_ID, subnets=[{"subnet": "10.77.0.0/16", "gateway": "10.77.0.1"}])  # fmt: skip
    folder = _folder(tmp_path, custom)
    podman = FakePodman()
    podman.answer(LS, [custom])
    networks = _networks(folder, podman, tmp_path / "state")
    await networks.listing()
    (folder / "podman.json").unlink()  # podman makes its default in memory again
    podman.answer(LS, [DEFAULT])
    assert await networks.listing() == [DEFAULT]
    assert podman.calls == [LS, LS]


@pytest.mark.asyncio
async def test_a_configuration_change_asks_podman_for_its_default_again(tmp_path: Path) -> None:
    """podman makes its default network from containers.conf: once the configuration's stamp
    moves, the default network it last printed is not used (in this service or the next)."""
    folder = _folder(tmp_path, _network("one"))
    stamp = ["stamp-1"]

    async def where() -> str:
        return str(folder)

    async def config() -> str:
        return stamp[0]

    podman = FakePodman()
    podman.answer(LS, [DEFAULT])
    networks = Networks(podman, where, str(tmp_path / "state"), config)
    await networks.listing()
    stamp[0] = "stamp-2"  # containers.conf edited (another default subnet, say)
    (folder / "two.json").write_text(json.dumps(_network("two")))
    await networks.listing()
    assert podman.calls == [LS, LS]
    (folder / "three.json").write_text(json.dumps(_network("three")))
    await networks.listing()  # the default printed under stamp-2 serves again
    assert podman.calls == [LS, LS]
