"""Local image operations through the docker CLI and docker-py: tag, list, inspect, history,
rmi (409 when in use), prune, save/load, import, commit."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, Cleanup, DockerRun, podman


def _build(docker: DockerRun, tmp_path: Path, tag: str, label: str) -> str:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nLABEL dti.unique={label}\n")
    return docker("build", "-q", "-t", tag, str(tmp_path)).stdout.strip()


def test_tag_list_inspect_history(docker: DockerRun, cleanup: Cleanup) -> None:
    name = f"team/{cleanup.name('dti-tag')}:v2"
    cleanup.images.append(name)
    docker("tag", "busybox", name)
    listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}", name.split(":")[0]).stdout
    assert listed.split() == [name]
    data = json.loads(docker("image", "inspect", name).stdout)[0]
    assert name in data["RepoTags"] and "busybox:latest" in data["RepoTags"]
    assert not any(t.startswith(("localhost/", "docker.io/")) for t in data["RepoTags"])
    assert data["Config"]["Cmd"] == ["sh"] and data["Os"] == "linux"
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", name).stdout
    assert "ADD file:" in history
    missing = docker("image", "inspect", "nope-dti-missing", check=False)
    assert missing.returncode == 1 and "No such image: nope-dti-missing" in missing.stderr


def test_missing_image_named_as_dockerd_names_it(dclient: Any) -> None:
    """The daemon's 404 names the reference with its tag (moby's ErrImageDoesNotExist); the
    docker CLI prints its own text, API clients show this one."""
    import docker as docker_py

    for call in (dclient.images.get, dclient.api.remove_image, dclient.api.history):
        with pytest.raises(docker_py.errors.ImageNotFound) as missing:
            call("nope-dti-missing")
        assert "No such image: nope-dti-missing:latest" in str(missing.value)


def test_rmi_in_use_is_conflict(
    docker: DockerRun, dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    import docker as docker_py

    name = cleanup.name("dti-inuse")
    cleanup.images.append(name)
    image_id = _build(docker, tmp_path, name, name)
    container = cleanup.container()
    podman("create", "--name", container, f"docker.io/library/{name}:latest", "true")
    result = docker("rmi", name, check=False)
    assert result.returncode == 1
    assert "conflict: unable to remove repository reference" in result.stderr
    with pytest.raises(docker_py.errors.APIError) as info:
        dclient.images.remove(image_id)
    assert info.value.status_code == 409
    assert "image is being used by stopped container" in str(info.value)
    # Another name of the same image can go: the image keeps its first name.
    docker("tag", name, f"{name}:second")
    assert f"Untagged: {name}:second" in docker("rmi", f"{name}:second").stdout
    assert podman("container", "exists", container, check=False).returncode == 0
    assert (
        podman("image", "exists", f"docker.io/library/{name}:latest", check=False).returncode == 0
    )


def test_rmi_untags_and_deletes(docker: DockerRun, cleanup: Cleanup, tmp_path: Path) -> None:
    name = cleanup.name("dti-rmi")
    cleanup.images.append(name)
    image_id = _build(docker, tmp_path, name, name)
    out = docker("rmi", name).stdout
    assert f"Untagged: {name}:latest" in out
    assert f"Deleted: {image_id}" in out


def test_image_prune_removes_dangling(docker: DockerRun, cleanup: Cleanup, tmp_path: Path) -> None:
    name = cleanup.name("dti-prune")
    cleanup.images.append(name)
    first = _build(docker, tmp_path, name, "one-" + name)
    _build(docker, tmp_path, name, "two-" + name)
    dangling = docker("images", "-q", "--no-trunc", "-f", "dangling=true").stdout.split()
    assert first in dangling
    out = docker("image", "prune", "-f").stdout
    assert f"deleted: {first}" in out
    assert podman("image", "exists", first, check=False).returncode != 0
    assert podman("image", "exists", "docker.io/library/busybox:latest").returncode == 0


def test_save_load_round_trip(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path, docker_env: dict[str, str]
) -> None:
    name = cleanup.name("dti-save")
    cleanup.images.append(name)
    image_id = _build(docker, tmp_path, name, name)
    archive = tmp_path / "image.tar"
    docker("save", "-o", str(archive), name)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["Config"].startswith(image_id.removeprefix("sha256:"))
    docker("rmi", name)
    out = docker("load", "-i", str(archive)).stdout
    assert f"Loaded image: {name}:latest" in out
    assert docker("inspect", "-f", "{{.Id}}", name).stdout.strip() == image_id
    piped = subprocess.run(
        f"{DOCKER} save {name} | {DOCKER} load",
        shell=True,
        capture_output=True,
        text=True,
        env=docker_env,
        timeout=120,
        check=True,
    )
    assert f"Loaded image: {name}:latest" in piped.stdout


def test_docker_import_rootfs(docker: DockerRun, cleanup: Cleanup, tmp_path: Path) -> None:
    name = cleanup.name("dti-import") + ":v1"
    cleanup.images.append(name)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = b"hello from import\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (tmp_path / "rootfs.tar").write_bytes(buffer.getvalue())
    out = docker(
        "import", "-c", 'CMD ["/hello.txt"]', "-m", "dti import", str(tmp_path / "rootfs.tar"), name
    ).stdout
    assert out.strip().startswith("sha256:")
    data = json.loads(docker("image", "inspect", name).stdout)[0]
    assert data["Config"]["Cmd"] == ["/hello.txt"]
    assert data["Comment"] == "dti import"
    assert data["Id"] == out.strip()


def test_docker_commit(docker: DockerRun, cleanup: Cleanup) -> None:
    container = cleanup.container()
    podman("create", "--name", container, "docker.io/library/busybox:latest", "sh", "-c", "true")
    name = cleanup.name("dti-commit") + ":c1"
    cleanup.images.append(name)
    out = docker(
        "commit", "-c", 'CMD ["echo", "committed"]', "-m", "dti msg", "-a", "dti", container, name
    ).stdout
    assert out.strip().startswith("sha256:")
    data = json.loads(docker("image", "inspect", name).stdout)[0]
    assert data["Config"]["Cmd"] == ["echo", "committed"]
    assert data["Comment"] == "dti msg" and data["Author"] == "dti"
    missing = docker("commit", "nope-dti-container", check=False)
    assert missing.returncode == 1 and "No such container" in missing.stderr


def test_docker_py_save_and_load(
    dclient: Any, cleanup: Cleanup, docker: DockerRun, tmp_path: Path
) -> None:
    name = cleanup.name("dti-pysave")
    cleanup.images.append(name)
    image_id = _build(docker, tmp_path, name, name)
    by_id = b"".join(dclient.images.get(name).save())
    named = b"".join(dclient.images.get(name).save(named=True))
    dclient.images.remove(name)
    loaded = dclient.images.load(named)
    assert [i.id for i in loaded] == [image_id]
    assert f"{name}:latest" in loaded[0].tags
    dclient.images.remove(name)
    # Saved by ID, as with Docker, the archive names no repository: the image comes back untagged.
    again = dclient.images.load(by_id)
    assert [i.id for i in again] == [image_id] and again[0].tags == []
    cleanup.images.append(image_id)


def test_commit_running_container_where_pausing_is_impossible(
    docker: DockerRun, cleanup: Cleanup
) -> None:
    container = cleanup.container()
    podman("run", "-d", "--name", container, "docker.io/library/busybox:latest", "sleep", "300")
    podman("exec", container, "sh", "-c", "echo committed-state > /state")
    name = cleanup.name("dti-commitrun")
    cleanup.images.append(name)
    docker("commit", container, name)  # the CLI asks for pause=1 by default
    out = podman("run", "--rm", f"docker.io/library/{name}:latest", "cat", "/state").stdout
    assert out.strip() == "committed-state"


def _docker25_archive(source: Path, dest: Path, name: str) -> None:
    """Turn `podman save --format oci-archive` into the layout `docker save` writes since
    Docker 25: an OCI image layout plus Docker's manifest.json pointing into blobs/."""
    root = source.parent / "layout"
    root.mkdir()
    with tarfile.open(source) as tar:
        tar.extractall(root)
    index = json.loads((root / "index.json").read_text())
    entry = index["manifests"][0]
    entry["annotations"] = {
        "io.containerd.image.name": f"docker.io/library/{name}:latest",
        "org.opencontainers.image.ref.name": "latest",
    }
    (root / "index.json").write_text(json.dumps(index))
    manifest = json.loads((root / "blobs" / "sha256" / entry["digest"][7:]).read_text())
    docker_manifest = [
        {
            "Config": "blobs/sha256/" + manifest["config"]["digest"][7:],
            "RepoTags": [f"{name}:latest"],
            "Layers": ["blobs/sha256/" + layer["digest"][7:] for layer in manifest["layers"]],
        }
    ]
    (root / "manifest.json").write_text(json.dumps(docker_manifest))
    with tarfile.open(dest, "w") as tar:
        for child in sorted(root.iterdir()):
            tar.add(child, arcname=child.name)


def test_load_docker25_oci_layout_archive(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = cleanup.name("dti-oci")
    cleanup.images.append(name)
    oci = tmp_path / "oci.tar"
    podman("save", "--format", "oci-archive", "-o", str(oci), "docker.io/library/busybox:latest")
    archive = tmp_path / "docker25.tar"
    _docker25_archive(oci, archive, name)
    out = docker("load", "-i", str(archive)).stdout
    assert f"Loaded image: {name}:latest" in out
    assert name in docker("images", "--format", "{{.Repository}}", name).stdout


def test_image_prune_all_with_label_filter(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = cleanup.name("dti-pruneall")
    cleanup.images.append(name)
    image_id = _build(docker, tmp_path, name, name)
    out = docker("image", "prune", "-a", "-f", "--filter", f"label=dti.unique={name}").stdout
    assert f"untagged: {name}:latest" in out and f"deleted: {image_id}" in out
    assert podman("image", "exists", image_id, check=False).returncode != 0
    assert podman("image", "exists", "docker.io/library/busybox:latest").returncode == 0


@pytest.mark.parametrize("compress", ["gzip", "bzip2", "xz"])
def test_load_compressed_archives(
    compress: str, docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = cleanup.name("dti-zload")
    cleanup.images.append(name)
    docker("tag", "busybox", name)
    archive = tmp_path / "image.tar"
    docker("save", "-o", str(archive), name)
    subprocess.run([compress, str(archive)], check=True)
    docker("rmi", name)
    packed = next(tmp_path.glob("image.tar.*"))
    assert f"Loaded image: {name}:latest" in docker("load", "-i", str(packed)).stdout


def test_load_garbage_fails_clearly(docker: DockerRun, tmp_path: Path) -> None:
    (tmp_path / "junk.tar").write_bytes(b"this is not an image archive\n" * 100)
    result = docker("load", "-i", str(tmp_path / "junk.tar"), check=False)
    assert result.returncode == 1
    assert "archive/tar: invalid tar header" in result.stderr  # dockerd's words
    with tarfile.open(tmp_path / "plain.tar", "w") as tar:  # a tar, but no image in it
        tar.add(tmp_path / "junk.tar", arcname="junk")
    result = docker("load", "-i", str(tmp_path / "plain.tar"), check=False)
    assert result.returncode == 1
    assert "invalid archive" in result.stderr
