"""Volumes end to end: the docker CLI and docker-py against the shim on real rootless podman."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Cleanup, DockerRun, podman


def test_cli_create_ls_inspect_rm(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.name("dsv")
    cleanup.volumes.append(name)
    assert docker("volume", "create", "--label", "com.docker.compose.volume=data",
                  "--label", "k=v", name).stdout.strip() == name  # fmt: skip
    assert docker("volume", "create", name).stdout.strip() == name  # dockerd: idempotent
    vol = json.loads(docker("volume", "inspect", name).stdout)[0]
    assert vol["Name"] == name and vol["Driver"] == "local" and vol["Scope"] == "local"
    assert vol["Labels"] == {"com.docker.compose.volume": "data", "k": "v"}
    assert vol["Mountpoint"].endswith(f"/{name}/_data")
    assert vol["CreatedAt"]
    listed = docker("volume", "ls", "-q", "-f", "label=k=v", "-f", f"name={name}").stdout.split()
    assert listed == [name]
    docker("volume", "rm", name)
    missing = docker("volume", "inspect", name, check=False)
    assert missing.returncode != 0 and "no such volume" in missing.stderr
    assert docker("volume", "rm", "-f", name).returncode == 0


def test_in_use_volume_is_409_and_dangling(
    docker: DockerRun, dclient: Any, cleanup: Cleanup
) -> None:
    import docker as docker_py

    name = cleanup.name("dsv")
    cleanup.volumes.append(name)
    docker("volume", "create", name)
    ctr = cleanup.container()
    podman("create", "--name", ctr, "-v", f"{name}:/data", "busybox", "true")
    with pytest.raises(docker_py.errors.APIError) as busy:
        dclient.volumes.get(name).remove(force=True)
    assert busy.value.status_code == 409 and "volume is in use" in str(busy.value)
    dangling = docker("volume", "ls", "-q", "-f", "dangling=true").stdout.split()
    assert name not in dangling
    in_use = docker("volume", "ls", "-q", "-f", "dangling=false").stdout.split()
    assert name in in_use
    podman("rm", ctr)
    assert name in docker("volume", "ls", "-q", "-f", "dangling=true").stdout.split()


def test_docker_py_volumes(dclient: Any, cleanup: Cleanup) -> None:
    import docker as docker_py

    name = cleanup.name("dsv")
    cleanup.volumes.append(name)
    vol = dclient.volumes.create(name, driver="local", labels={"a": "b"})
    assert vol.attrs["Labels"] == {"a": "b"}
    assert dclient.volumes.get(name).attrs["Mountpoint"] == vol.attrs["Mountpoint"]
    assert name in [v.name for v in dclient.volumes.list(filters={"label": "a=b"})]
    raw = dclient.api.volumes()
    assert set(raw) == {"Volumes", "Warnings"} and raw["Warnings"] == []
    generated = dclient.volumes.create()
    cleanup.volumes.append(generated.name)
    assert len(generated.name) == 64
    generated.remove()
    vol.remove()
    with pytest.raises(docker_py.errors.NotFound):
        dclient.volumes.get(name)


def test_prune_anonymous_only_unless_all(docker: DockerRun, cleanup: Cleanup) -> None:
    named = cleanup.name("dsv")
    cleanup.volumes.append(named)
    docker("volume", "create", "--label", "dsprune=1", named)
    ctr = cleanup.container()
    podman("create", "--name", ctr, "-v", "/anon", "busybox", "true")
    anon = json.loads(podman("inspect", ctr).stdout)[0]["Mounts"][0]["Name"]
    cleanup.volumes.append(anon)
    vol = json.loads(docker("volume", "inspect", anon).stdout)[0]
    assert "com.docker.volume.anonymous" in vol["Labels"]
    podman("rm", ctr)
    out = docker("volume", "prune", "-f").stdout
    assert anon in out and named not in out
    out = docker("volume", "prune", "-f", "-a", "--filter", "label=dsprune=1").stdout
    assert named in out
    assert named not in docker("volume", "ls", "-q").stdout.split()


def test_anonymous_volumes_from_run_and_image(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Any
) -> None:
    image = f"{cleanup.name('dsvimg')}:latest"
    cleanup.images.append(image)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nVOLUME /from-image\n")
    docker("build", "-q", "-t", image, str(tmp_path))
    ctr = cleanup.container()
    docker("create", "--name", ctr, "-v", "/from-cli", image, "true")
    mounts = json.loads(docker("inspect", ctr).stdout)[0]["Mounts"]
    anon = {m["Destination"]: m["Name"] for m in mounts if m["Type"] == "volume"}
    assert set(anon) == {"/from-cli", "/from-image"}
    cleanup.volumes.extend(anon.values())
    for vol in anon.values():
        labels = json.loads(docker("volume", "inspect", vol).stdout)[0]["Labels"]
        assert "com.docker.volume.anonymous" in labels
    docker("rm", "-v", ctr)
    remaining = docker("volume", "ls", "-q").stdout.split()
    assert not set(anon.values()) & set(remaining)


def test_a_mounted_volume_without_copy_starts_empty(docker: DockerRun, cleanup: Cleanup) -> None:
    """`--mount ...,volume-nocopy` (Mounts[].VolumeOptions.NoCopy), which podman 4.3's own
    --mount refuses: the image's files are not copied into the new volume; without it they are."""
    listed = {}
    for nocopy in (True, False):
        volume = cleanup.name("dsvnocopy")
        cleanup.volumes.append(volume)
        spec = f"type=volume,src={volume},dst=/var" + (",volume-nocopy" if nocopy else "")
        ran = docker("run", "--rm", "--mount", spec, "busybox", "ls", "/var")
        listed[nocopy] = ran.stdout.split()
    assert "www" in listed[False]
    assert listed[True] == []


def test_a_volume_made_by_the_service_child_is_the_cli_one(dclient: Any, cleanup: Cleanup) -> None:
    """Creates and removals go through podman's service child: the same volume as `podman
    volume create` makes of the same options and labels (podman's own inspect compared), and
    dockerd's answers for a taken name, a volume in use and one gone."""
    import docker as docker_py

    ours, theirs = cleanup.name("dsvc"), cleanup.name("dsvc")
    cleanup.volumes.extend([ours, theirs])
    options = {"type": "tmpfs", "device": "tmpfs", "o": "nodev"}
    labels = {"k": "v", "empty": ""}
    made = dclient.api.create_volume(ours, driver="local", driver_opts=options, labels=labels)
    assert (made["Options"], made["Labels"]) == (options, labels)
    argv = [f"--opt={k}={v}" for k, v in options.items()] + [f"--label={k}={v}" for k, v in labels.items()]  # fmt: skip
    podman("volume", "create", *argv, theirs)
    shown = json.loads(podman("volume", "inspect", ours, theirs).stdout)
    for vol in shown:
        for key in ("Name", "CreatedAt", "Mountpoint"):
            vol.pop(key)
    assert shown[0] == shown[1]
    # a taken name: dockerd hands back the volume there is
    assert dclient.api.create_volume(ours, labels={"other": "x"})["Labels"] == labels
    name = cleanup.container()
    podman("create", "--name", name, "-v", f"{ours}:/data", "busybox")
    with pytest.raises(docker_py.errors.APIError) as in_use:
        dclient.api.remove_volume(ours)
    assert in_use.value.status_code == 409 and "volume is in use" in str(in_use.value)
    podman("rm", name)
    dclient.api.remove_volume(ours)
    with pytest.raises(docker_py.errors.NotFound):
        dclient.api.remove_volume(ours)
    anonymous = dclient.api.create_volume()
    cleanup.volumes.append(anonymous["Name"])
    assert anonymous["Labels"] == {"com.docker.volume.anonymous": ""}
    dclient.api.remove_volume(anonymous["Name"])
