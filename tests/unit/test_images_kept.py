"""podman's image answers kept while containers/storage's image store is unchanged, and on disk
for the next activation (engine/kept_images.py): used only at the store's mark they were taken
at, never after a change of the image store, and not retaken when only containers change."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dockershim.engine import images as images_module
from dockershim.engine.images import Images
from dockershim.engine.kept_images import FILE_NAME
from dockershim.errors import NotFound
from tests.fakes import FakePodman

BUSYBOX = "a" * 64
LISTED = [{"Id": BUSYBOX, "Names": ["docker.io/library/busybox:latest"], "Containers": 3}]
INSPECTED = [{"Id": BUSYBOX, "RepoTags": ["docker.io/library/busybox:latest"]}]


def _store(root: Path, token: str, part: str = "images") -> None:
    folder = root / "graph" / f"overlay-{part}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{part}.json").write_text(json.dumps([{"id": BUSYBOX, "names": []}]))
    (folder / f"{part}.lock").write_text(token)  # c/storage's last-write token


def _answering() -> FakePodman:
    podman = FakePodman()
    podman.answer(["images", "--format", "json"], LISTED)
    podman.answer(["image", "inspect", "--", "docker.io/library/busybox:latest"], INSPECTED)
    podman.answer(["image", "inspect", "--", "docker.io/library/gone:latest"], rc=125)
    podman.answer(["image", "inspect", "--", "localhost/gone:latest"], rc=125)
    return podman


def _images(podman: FakePodman, root: Path) -> Images:
    async def store() -> tuple[str, str]:
        return str(root / "graph"), "overlay"

    return Images(podman, store, str(root / "state"))


async def _ask(images: Images) -> tuple[object, ...]:
    return (
        await images.listing(everything=False),
        await images.find("busybox"),
        await images.find("gone"),
    )


@pytest.mark.asyncio
async def test_the_next_service_answers_from_what_this_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images_module, "_SAVE_AFTER", 600)  # only the close writes in time
    _store(tmp_path, "1")
    first = _images(_answering(), tmp_path)
    answers = await _ask(first)
    assert answers == (LISTED, INSPECTED[0], None)
    assert await _ask(first) == answers  # kept: no second process
    assert len(first.podman.calls) == 4  # type: ignore[attr-defined]
    began = time.monotonic()
    await first.close()
    assert time.monotonic() - began < 5  # written at once, not after the burst's pause
    assert (tmp_path / "state" / FILE_NAME).exists()
    assert os.stat(tmp_path / "state" / FILE_NAME).st_mode & 0o777 == 0o600
    nothing = FakePodman()  # any podman call fails the test
    assert await _ask(_images(nothing, tmp_path)) == answers
    assert nothing.calls == []


@pytest.mark.asyncio
async def test_a_change_of_the_image_store_asks_podman_again(tmp_path: Path) -> None:
    _store(tmp_path, "1")
    first = _images(_answering(), tmp_path)
    await _ask(first)
    await first.close()
    _store(tmp_path, "2")  # a pull, build, tag or removal
    podman = _answering()
    assert await _ask(_images(podman, tmp_path)) == (LISTED, INSPECTED[0], None)
    assert len(podman.calls) == 4
    # and within one service too
    _store(tmp_path, "3")
    await _ask(first)
    assert len(first.podman.calls) == 8  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_containers_coming_and_going_keep_the_image_list(tmp_path: Path) -> None:
    _store(tmp_path, "1")
    _store(tmp_path, "c1", part="containers")
    podman = _answering()
    images = _images(podman, tmp_path)
    await images.listing(everything=False)
    _store(tmp_path, "c2", part="containers")  # a container created or removed
    await images.listing(everything=False)
    assert podman.calls == [["images", "--format", "json"]]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"format": 99}), json.dumps({"format": 1, "mark": 3, "lists": []})],
)
async def test_a_file_not_of_this_format_is_not_used(tmp_path: Path, content: str) -> None:
    _store(tmp_path, "1")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / FILE_NAME).write_text(content)
    podman = _answering()
    assert await _ask(_images(podman, tmp_path)) == (LISTED, INSPECTED[0], None)
    assert len(podman.calls) == 4


@pytest.mark.asyncio
async def test_answers_are_written_once_a_burst_settles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images_module, "_SAVE_AFTER", 0.01)
    _store(tmp_path, "1")
    images = _images(_answering(), tmp_path)
    await _ask(images)
    assert images._saving is not None
    await images._saving  # no close: the write happens by itself
    record = json.loads((tmp_path / "state" / FILE_NAME).read_text())
    assert set(record["found"]) >= {"busybox", "gone", "docker.io/library/busybox:latest"}
    assert json.loads(record["lists"]["tagged"]) == LISTED


@pytest.mark.asyncio
async def test_nothing_is_kept_without_the_store_files(tmp_path: Path) -> None:
    podman = _answering()
    images = _images(podman, tmp_path)  # no images.json, no images.lock
    await _ask(images)
    await _ask(images)
    await images.close()
    assert len(podman.calls) == 8
    assert not (tmp_path / "state" / FILE_NAME).exists()


class _Answer:
    def __init__(self, status: int, data: object) -> None:
        self.status, self._data = status, data

    def json(self) -> object:
        return self._data


class _Service:
    """podman's service child as engine/images.py sees it: an answer per path."""

    def __init__(self, answers: dict[str, _Answer], *, ready: bool = True) -> None:
        self.ready = ready
        self.answers = answers
        self.calls: list[str] = []
        self.wanted = 0  # reads that found it idle and asked for it

    def ready_else_want(self) -> bool:
        self.wanted += 0 if self.ready else 1
        return self.ready

    async def call(self, method: str, path: str, *args: object, **kwargs: object) -> object:
        self.calls.append(path)
        return self.answers.get(path)


@pytest.mark.asyncio
async def test_the_service_child_answers_and_the_cli_covers_what_it_cannot(
    tmp_path: Path,
) -> None:
    _store(tmp_path, "1")
    service = _Service(
        {
            "/images/json": _Answer(200, LISTED),
            "/images/docker.io/library/busybox:latest/json": _Answer(200, INSPECTED[0]),
            "/images/docker.io/library/gone:latest/json": _Answer(404, {"message": "no"}),
            "/images/localhost/gone:latest/json": _Answer(500, {"message": "store busy"}),
        }
    )
    podman = _answering()
    images = Images(podman, _images(podman, tmp_path)._store, None, service)  # type: ignore[arg-type]
    assert await _ask(images) == (LISTED, INSPECTED[0], None)
    # a 404 is podman's miss; anything else is asked of the CLI
    assert podman.calls == [["image", "inspect", "--", "localhost/gone:latest"]]
    assert service.calls[0] == "/images/json"
    idle = _Service({}, ready=False)
    podman = _answering()
    images = Images(podman, _images(podman, tmp_path)._store, None, idle)  # type: ignore[arg-type]
    assert await _ask(images) == (LISTED, INSPECTED[0], None)
    assert idle.calls == [] and len(podman.calls) == 4
    assert idle.wanted == 4  # each read only podman could answer asked for the child


@pytest.mark.asyncio
async def test_a_history_is_asked_once_per_image_id(tmp_path: Path) -> None:
    """An id names one image config: its history is kept; without the service child it comes
    from `podman history`, and an image gone meanwhile is a 404."""
    podman = _answering()
    entries = [
        {"id": BUSYBOX, "created": "2026-11-29T03:54:46Z", "CreatedBy": "ONBUILD RUN x", "size": 5},
        {"id": "<missing>", "created": "2026-11-28T00:00:00Z", "size": 7, "comment": "c"},
    ]
    podman.answer(["history", "--no-trunc", "--format", "json", "--", BUSYBOX], entries)
    podman.answer(["history", "--no-trunc", "--format", "json", "--", "b" * 64], rc=125,
                  stderr="Error: b: image not known")  # fmt: skip
    images = _images(podman, tmp_path)
    layers = await images.history(BUSYBOX)
    assert [(x.image_id, x.size, x.comment) for x in layers] == [
        (BUSYBOX, 5, ""),
        ("<missing>", 7, "c"),
    ]
    assert await images.history(BUSYBOX) == layers
    assert await images.onbuild_history(BUSYBOX) == [" RUN x"]
    assert len([c for c in podman.calls if c[0] == "history"]) == 1
    with pytest.raises(NotFound):
        await images.history("b" * 64)
    assert await images.onbuild_history("b" * 64) == []
