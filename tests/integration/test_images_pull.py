"""Pull through the docker CLI and docker-py against the local registries (real podman)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.conftest import REGISTRY, Cleanup, DockerRun, podman


def _publish(cleanup: Cleanup, tmp_path: Path) -> str:
    """A unique repository in the plain registry: busybox plus a layer of its own, so that a
    pull has something to download (podman reports busybox's layer as already present)."""
    name = f"{REGISTRY}/{cleanup.name('dti-pull')}:v1"
    (tmp_path / "own").write_bytes(os.urandom(64 * 1024))
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY own /own\n")
    podman("build", "-q", "-t", name, str(tmp_path))
    podman("push", "--tls-verify=false", name)
    podman("rmi", name)
    cleanup.images.append(name)
    return name


def test_docker_pull_busybox_ends_with_status(docker: DockerRun) -> None:
    present = podman("image", "exists", "docker.io/library/busybox:latest", check=False)
    out = docker("pull", "busybox").stdout
    assert "latest: Pulling from library/busybox" in out
    assert "Digest: sha256:" in out
    if present.returncode == 0:
        assert "Status: Image is up to date for busybox:latest" in out
    else:
        assert "Status: Downloaded newer image for busybox:latest" in out
    assert out.strip().endswith("docker.io/library/busybox:latest")


def test_docker_pull_new_image_shows_layers(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = _publish(cleanup, tmp_path)
    out = docker("pull", name).stdout
    assert "v1: Pulling from dti-pull-" in out
    assert ": Pulling fs layer" in out and ": Pull complete" in out
    assert ": Already exists" in out  # busybox's layer
    assert f"Status: Downloaded newer image for {name}" in out
    again = docker("pull", name).stdout
    assert f"Status: Image is up to date for {name}" in again


def test_pull_stream_has_progress_detail(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    name = _publish(cleanup, tmp_path)
    repo, tag = name.rsplit(":", 1)
    lines = list(dclient.api.pull(repo, tag=tag, stream=True, decode=True))
    downloading = [ln for ln in lines if ln.get("status") == "Downloading"]
    assert downloading and downloading[0]["progressDetail"]["total"] > 0
    assert lines[-1] == {"status": f"Status: Downloaded newer image for {name}"}
    assert all("error" not in ln for ln in lines)


def _layer_sizes(name: str) -> set[int]:
    """The compressed layer sizes the registry's manifest of `name` lists."""
    import httpx

    repo, tag = name.removeprefix(f"{REGISTRY}/").rsplit(":", 1)
    accept = "application/vnd.oci.image.manifest.v1+json, "
    accept += "application/vnd.docker.distribution.manifest.v2+json"
    url = f"http://{REGISTRY}/v2/{repo}/manifests/{tag}"
    manifest = httpx.get(url, headers={"Accept": accept}, timeout=30).json()
    return {int(layer["size"]) for layer in manifest["layers"]}


def test_pull_totals_are_the_registrys_sizes(
    dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    """The `Downloading` totals are the registry manifest's exact byte counts (asked of the
    registry beside the pull), also when the tag names an index: its linux/amd64 image's."""
    name = _publish(cleanup, tmp_path)
    sizes = _layer_sizes(name)
    index = f"{name.rsplit(':', 1)[0]}:index"
    listing = cleanup.name("dti-list")
    podman("manifest", "create", listing)
    try:
        podman("manifest", "add", "--tls-verify=false", listing, f"docker://{name}")
        podman("manifest", "push", "--all", "--tls-verify=false", listing, f"docker://{index}")
    finally:
        podman("manifest", "rm", listing, check=False)
    cleanup.images.append(index)
    for ref in (name, index):
        repo, tag = ref.rsplit(":", 1)
        lines = list(dclient.api.pull(repo, tag=tag, stream=True, decode=True))
        totals = {
            ln["progressDetail"]["total"] for ln in lines if ln.get("status") == "Downloading"
        }
        assert totals and totals <= sizes, (ref, totals, sizes)
        podman("rmi", ref)


def test_pull_missing_image_fails_clearly(docker: DockerRun, cleanup: Cleanup) -> None:
    name = f"{REGISTRY}/{cleanup.name('dti-missing')}"
    result = docker("pull", name, check=False)
    assert result.returncode == 1
    assert f"manifest for {name}:latest not found" in result.stderr


def test_docker_py_pull_and_get(dclient: Any) -> None:
    image = dclient.images.pull("busybox")
    assert "busybox:latest" in image.tags
    assert dclient.images.get("busybox").id == image.id
    assert any("busybox:latest" in i.tags for i in dclient.images.list())


def test_pull_without_tag_pulls_every_tag(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    first = _publish(cleanup, tmp_path)
    repo = first.rsplit(":", 1)[0]
    second = f"{repo}:v2"
    podman("tag", "docker.io/library/busybox:latest", second)
    podman("push", "--tls-verify=false", second)
    podman("untag", "docker.io/library/busybox:latest", second)
    cleanup.images.append(second)
    images = dclient.images.pull(repo, all_tags=True)
    tags = {t for image in images for t in image.tags}
    assert {first, second} <= tags


def test_search_the_local_registry(docker: DockerRun) -> None:
    out = docker("search", "--format", "{{.Name}}", f"{REGISTRY}/busybox").stdout
    assert f"{REGISTRY}/library/busybox" in out.split()
