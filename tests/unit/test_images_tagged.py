"""Images.tagged: a tag is looked up in containers/storage's image file without a podman
process, every change of the store is seen, and podman's inspect answers what the file cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockershim.engine.images import Images
from tests.fakes import FakePodman

BUSYBOX = "a" * 64
APP = "b" * 64


def _store(root: Path, images: list[dict[str, object]], token: str) -> None:
    folder = root / "overlay-images"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images.json").write_text(json.dumps(images))
    (folder / "images.lock").write_text(token)  # c/storage's last-write token


def _images(podman: FakePodman, root: Path) -> Images:
    async def store() -> tuple[str, str]:
        return str(root), "overlay"

    return Images(podman, store)


@pytest.mark.asyncio
async def test_tags_come_from_the_store_file_and_follow_its_changes(tmp_path: Path) -> None:
    podman = FakePodman()
    images = _images(podman, tmp_path)
    names = ["docker.io/library/busybox:latest", "docker.io/library/busybox@sha256:" + "c" * 64]
    _store(tmp_path, [{"id": BUSYBOX, "names": names}], "1")
    assert await images.tagged("busybox") == (BUSYBOX, ["docker.io/library/busybox:latest"])
    assert await images.tagged("docker.io/library/busybox:latest") is not None
    # a new image in the store (a build): seen at once, still without a process
    _store(tmp_path, [{"id": BUSYBOX, "names": names}, {"id": APP, "names": ["localhost/app:v1"]}], "2")  # fmt: skip
    assert await images.tagged("app:v1") == (APP, ["localhost/app:v1"])
    # the tag moved to another image
    _store(tmp_path, [{"id": APP, "names": ["docker.io/library/busybox:latest"]}], "3")
    assert await images.tagged("busybox") == (APP, ["docker.io/library/busybox:latest"])
    assert podman.calls == []


@pytest.mark.asyncio
async def test_ids_misses_and_an_unreadable_store_ask_podman(tmp_path: Path) -> None:
    podman = FakePodman()
    podman.answer(["image", "inspect", "--", BUSYBOX[:12]], [{"Id": BUSYBOX, "RepoTags": ["x:1"]}])
    podman.answer(["image", "inspect", "--", "docker.io/library/gone:latest"], rc=125)
    podman.answer(["image", "inspect", "--", "localhost/gone:latest"], rc=125)
    images = _images(podman, tmp_path)
    _store(tmp_path, [{"id": BUSYBOX, "names": ["docker.io/library/busybox:latest"]}], "1")
    assert await images.tagged(BUSYBOX[:12]) == (BUSYBOX, ["x:1"])
    assert await images.tagged("gone") is None
    assert len(podman.calls) == 3
    (tmp_path / "overlay-images" / "images.json").write_text("{not json")
    (tmp_path / "overlay-images" / "images.lock").write_text("2")
    podman.answer(
        ["image", "inspect", "--", "docker.io/library/busybox:latest"],
        [{"Id": BUSYBOX, "RepoTags": ["docker.io/library/busybox:latest"]}],
    )
    assert await images.tagged("busybox") == (BUSYBOX, ["docker.io/library/busybox:latest"])
    assert podman.calls[-1] == ["image", "inspect", "--", "docker.io/library/busybox:latest"]


@pytest.mark.asyncio
async def test_a_create_resolves_a_tag_from_the_store_and_anything_else_through_podman(
    tmp_path: Path,
) -> None:
    podman = FakePodman()
    images = _images(podman, tmp_path)
    _store(tmp_path, [{"id": APP, "names": ["localhost/app:latest"]}], "1")
    assert await images.resolve("app") == "localhost/app:latest"
    assert podman.calls == []
    # an id-like name keeps Docker's order (the id first), which only podman can answer
    podman.answer(["image", "inspect", "--", "beef"], [{"Id": "beef" * 16, "RepoTags": []}])
    assert await images.resolve("beef") == "beef"
    assert podman.calls == [["image", "inspect", "--", "beef"]]
