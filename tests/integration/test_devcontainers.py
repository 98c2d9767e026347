"""The Dev Containers CLI (`@devcontainers/cli`, the engine behind VS Code's Dev Containers)
against dockershim: it drives the real docker CLI, so this is docker run/exec/build as an IDE
uses them. Features are left out (they download from ghcr.io). Builds use the classic builder
(DOCKER_BUILDKIT=0, from the `docker_env` fixture; without the buildx plugin the CLI uses it
anyway)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, podman

DEVCONTAINER = Path("/opt/dockershim/node-clients/node_modules/.bin/devcontainer")


@pytest.fixture
def devcontainer(docker_env: dict[str, str]) -> Iterator[Any]:
    folders: list[Path] = []

    def run(*args: str, folder: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        if folder not in folders:
            folders.append(folder)
        # Options before the command that `exec` runs.
        argv = [str(DEVCONTAINER), args[0], "--workspace-folder", str(folder)]
        argv += ["--docker-path", DOCKER, *args[1:]]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=docker_env)
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
        return result

    yield run
    for folder in folders:
        label = f"label=devcontainer.local_folder={folder}"
        ids = podman("ps", "-aq", "--filter", label).stdout.split()
        if ids:
            podman("rm", "-f", "-t", "0", *ids, check=False)
        images = podman("images", "--format", "{{.Repository}}").stdout.split()
        for image in images:
            if f"/vsc-{folder.name}-" in image or image.startswith(f"vsc-{folder.name}-"):
                podman("rmi", "-f", image, check=False)


def _result(stdout: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return parsed


def _config(folder: Path, config: dict[str, Any]) -> Path:
    (folder / ".devcontainer").mkdir(parents=True)
    (folder / ".devcontainer/devcontainer.json").write_text(json.dumps(config))
    return folder


def test_image_based_up_exec_read_configuration(devcontainer: Any, tmp_path: Path) -> None:
    folder = _config(
        tmp_path / "imgdc",
        {
            "name": "image-based",
            "image": "busybox",
            "remoteEnv": {"GREETING": "hello"},
            "containerEnv": {"FROM_CONTAINER": "yes"},
            "postCreateCommand": "echo created > /tmp/post-create",
        },
    )
    (folder / "marker.txt").write_text("in the workspace\n")
    up = _result(devcontainer("up", folder=folder).stdout)
    assert up["outcome"] == "success"
    assert up["remoteWorkspaceFolder"] == "/workspaces/imgdc"
    inspect = json.loads(podman("inspect", up["containerId"]).stdout)[0]
    assert inspect["State"]["Running"] is True
    script = "echo $GREETING $FROM_CONTAINER; cat /tmp/post-create marker.txt; exit 4"
    done = devcontainer("exec", "sh", "-c", script, folder=folder, check=False)
    assert done.returncode == 4
    assert done.stdout == "hello yes\ncreated\nin the workspace\n"
    config = _result(devcontainer("read-configuration", folder=folder).stdout)
    assert config["configuration"]["image"] == "busybox"
    assert config["workspace"]["workspaceFolder"] == "/workspaces/imgdc"
    # A second `up` finds the running container (by its labels) and reuses it.
    again = _result(devcontainer("up", folder=folder).stdout)
    assert again["containerId"] == up["containerId"]


def test_dockerfile_based_with_build_args_and_rebuild(devcontainer: Any, tmp_path: Path) -> None:
    config = {
        "name": "dockerfile-based",
        "build": {"dockerfile": "Dockerfile", "context": "..", "args": {"VARIANT": "blue"}},
    }
    folder = _config(tmp_path / "filedc", config)
    (folder / ".devcontainer/Dockerfile").write_text(
        "FROM busybox\nARG VARIANT=none\nCOPY src/data.txt /data.txt\n"
        'RUN echo "$VARIANT" > /variant\n'
    )
    (folder / "src").mkdir()
    (folder / "src/data.txt").write_text("data\n")
    first = _result(devcontainer("up", folder=folder).stdout)
    assert first["outcome"] == "success"
    shown = devcontainer("exec", "cat", "/variant", "/data.txt", folder=folder).stdout
    assert shown == "blue\ndata\n"

    config["build"]["args"] = {"VARIANT": "green"}  # type: ignore[index]
    (folder / ".devcontainer/devcontainer.json").write_text(json.dumps(config))
    second = _result(devcontainer("up", "--remove-existing-container", folder=folder).stdout)
    assert second["containerId"] != first["containerId"]
    assert podman("container", "exists", first["containerId"], check=False).returncode == 1
    assert devcontainer("exec", "cat", "/variant", folder=folder).stdout == "green\n"
