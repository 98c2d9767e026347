"""Untrusted Dockerfiles: what dockerd's classic builder refuses never reaches podman's buildah
(whose `RUN --mount` can read and write the user's files on podman 4.3)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cleanup, DockerRun

HINT = "Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit"


def _attack(flag_file: Path) -> str:
    escape = "../" * 12
    return (
        "FROM busybox\n"
        "RUN \\\n"
        f"  --mount=type=cache,id={escape}{str(flag_file).lstrip('/')},target=/m "
        "cat /m/flag\n"
    )


@pytest.mark.parametrize(
    ("instruction", "flag"),
    [
        ("RUN --network=host true", "network"),
        ("run --security=insecure true", "security"),
        ("COPY --chmod=777 Dockerfile /x", "chmod"),
    ],
)
def test_cli_refuses_buildkit_flags(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path, instruction: str, flag: str
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo ran-dth-step\n{instruction}\n")
    tag = cleanup.name("dth-flag")
    cleanup.images.append(tag)
    result = docker("build", "-t", tag, str(tmp_path), check=False)
    assert result.returncode != 0
    assert f"the --{flag} option requires BuildKit. {HINT} enabled" in result.stderr
    assert "ran-dth-step" not in result.stdout


def test_cli_refuses_run_mount_before_podman_reads_host_files(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    secret = f"host-file-{uuid.uuid4().hex}"
    flag_dir = tmp_path / "outside"
    flag_dir.mkdir()
    (flag_dir / "flag").write_text(secret)
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(_attack(flag_dir))
    tag = cleanup.name("dth-mount")
    cleanup.images.append(tag)
    result = docker("build", "-t", tag, str(context), check=False)
    assert result.returncode != 0
    assert f"the --mount option requires BuildKit. {HINT} enabled" in result.stderr
    assert secret not in result.stdout + result.stderr


def test_docker_py_build_error(dclient: Any, tmp_path: Path) -> None:
    import docker as docker_py

    (tmp_path / "Dockerfile").write_text(_attack(tmp_path))
    with pytest.raises(docker_py.errors.BuildError) as info:
        dclient.images.build(path=str(tmp_path))
    assert "the --mount option requires BuildKit" in str(info.value)


def test_onbuild_triggers_of_a_base_image_are_refused(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    base = cleanup.name("dth-onbuild")
    cleanup.images.append(base)
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nONBUILD RUN --mount=type=cache,target=/m echo ran-dth-trigger\n"
    )
    docker("build", "-t", base, str(tmp_path))  # dockerd stores the trigger as well
    child = tmp_path / "child"
    child.mkdir()
    (child / "Dockerfile").write_text(f"FROM {base}\nRUN true\n")
    tag = cleanup.name("dth-child")
    cleanup.images.append(tag)
    result = docker("build", "-t", tag, str(child), check=False)
    assert result.returncode != 0
    assert f"the --mount option requires BuildKit. {HINT} enabled" in result.stderr
    assert "ran-dth-trigger" not in result.stdout
