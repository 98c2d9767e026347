"""engine/networks.py: podman's network list is kept while netavark's folder is unchanged, and
across services (in the state dir) while podman's configuration is unchanged too; anything
else asks `podman network ls` again."""

from __future__ import annotations

import os
from pathlib import Path

from dockershim.engine.networks import FILE_NAME, Networks
from tests.fakes import FakePodman

LS = ["network", "ls", "--format", "json"]


def _listed(*names: str) -> list[dict[str, str]]:
    return [{"name": n, "id": n * 8, "driver": "bridge"} for n in names]


class Place:
    """A netavark folder, a state dir and podman's configuration stamp, as a service sees them."""

    def __init__(self, tmp_path: Path) -> None:
        self.folder = tmp_path / "networks"
        self.folder.mkdir()
        (self.folder / "one.json").write_text("{}")
        self.state_dir = str(tmp_path / "state")
        self.config = "stamp-1"

    def service(self, *names: str, state: bool = True) -> tuple[Networks, FakePodman]:
        """A new service's Networks, whose podman lists `names` (none: any call fails)."""
        fake = FakePodman()
        if names:
            fake.answer(["network", "ls"], _listed(*names))

        async def folder() -> str:
            return str(self.folder)

        async def config() -> str:
            return self.config

        return Networks(fake, folder, self.state_dir if state else None, config), fake


def _names(listed: list[dict[str, object]]) -> list[object]:
    return [n["name"] for n in listed]


async def test_a_new_service_takes_the_list_an_earlier_one_kept(tmp_path: Path) -> None:
    place = Place(tmp_path)
    first, podman = place.service("podman", "one")
    assert _names(await first.listing()) == ["podman", "one"]
    assert _names(await first.listing()) == ["podman", "one"]
    assert podman.calls == [LS]  # once in a service's life while the folder is unchanged
    second, none = place.service()
    assert _names(await second.listing()) == ["podman", "one"]
    assert none.calls == []


async def test_a_changed_folder_or_configuration_asks_podman_again(tmp_path: Path) -> None:
    place = Place(tmp_path)
    first, _ = place.service("podman", "one")
    await first.listing()
    (place.folder / "two.json").write_text("{}")  # a network made while no service ran
    second, podman = place.service("podman", "one", "two")
    assert _names(await second.listing()) == ["podman", "one", "two"]
    assert podman.calls == [LS]
    place.config = "stamp-2"  # containers.conf edited: the default network may differ
    third, podman = place.service("podman", "one", "two")
    assert _names(await third.listing()) == ["podman", "one", "two"]
    assert podman.calls == [LS]
    fourth, none = place.service()  # and that answer is the one kept now
    assert _names(await fourth.listing()) == ["podman", "one", "two"]
    assert none.calls == []


async def test_a_record_that_is_not_whole_is_not_read(tmp_path: Path) -> None:
    place = Place(tmp_path)
    first, _ = place.service("podman", "one")
    await first.listing()
    record = Path(place.state_dir) / FILE_NAME
    record.write_text(record.read_text()[:-10])
    second, podman = place.service("podman", "one")
    assert _names(await second.listing()) == ["podman", "one"]
    assert podman.calls == [LS]
    assert os.stat(record).st_mode & 0o077 == 0  # written again, private


async def test_without_a_state_dir_each_service_asks_podman(tmp_path: Path) -> None:
    place = Place(tmp_path)
    for _ in range(2):
        networks, podman = place.service("podman", state=False)
        assert _names(await networks.listing()) == ["podman"]
        assert podman.calls == [LS]
