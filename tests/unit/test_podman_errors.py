"""podman stderr -> Docker error classes and texts (texts captured from podman 4.3.1)."""

from __future__ import annotations

import pytest

from dockershim.errors import Conflict, DockerError, NotFound
from dockershim.podman.errors import classify

WARN = 'time="2026-11-29T03:45:47Z" level=warning msg="\\"/\\" is not a shared mount"\n'


@pytest.mark.parametrize(
    ("stderr", "cls", "message"),
    [
        (
            'Error: no container with name or ID "nosuch" found: no such container',
            NotFound,
            "No such container: nosuch",
        ),
        (
            "Error: inspecting object: no such container nosuch",
            NotFound,
            "No such container: nosuch",
        ),
        ("Error: nosuch: image not known", NotFound, "No such image: nosuch"),
        (
            "Error: unable to find network with name or ID nosuch: network not found",
            NotFound,
            "network nosuch not found",
        ),
        (
            'Error: no volume with name "nosuch" found: no such volume',
            NotFound,
            "get nosuch: no such volume",
        ),
        (
            'Error: creating container storage: the container name "dup" is already in use by '
            "326d732b9e3a. You have to remove that container to be able to reuse that name: that name "
            "is already in use",
            Conflict,
            'Conflict. The container name "/dup" is already in use by container "326d732b9e3a". You '
            "have to remove (or rename) that container to be able to reuse that name.",
        ),
        (
            'Error: "created" is not running, can\'t pause: container state improper',
            Conflict,
            '"created" is not running, can\'t pause: container state improper',
        ),
    ],
)
def test_known_errors(stderr: str, cls: type[DockerError], message: str) -> None:
    error = classify(WARN + stderr)
    assert type(error) is cls
    assert error.message == message


def test_unknown_error_keeps_podman_text_without_prefix() -> None:
    error = classify(WARN + "Error: the sky fell\n", 125)
    assert type(error) is DockerError
    assert error.status == 500
    assert error.message == "the sky fell"


def test_empty_stderr_names_exit_status() -> None:
    assert classify("", 3).message == "podman exited with status 3"
