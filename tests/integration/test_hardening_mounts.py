"""Docker fields keep Docker's meaning on real podman: no podman-only bind options, no option
injection through Propagation, Volumes keys never become binds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cleanup, DockerRun


def test_bind_with_podman_chown_option_is_refused(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    host = tmp_path / "mine"
    host.mkdir()
    owner = os.stat(host).st_uid
    result = docker(
        "run", "--rm", "--name", cleanup.container(), "--user", "1234", "-v", f"{host}:/m:U",
        "busybox", "true", check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "invalid mode: U" in result.stderr
    assert os.stat(host).st_uid == owner


def test_propagation_cannot_inject_mount_options(
    dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    import docker as docker_py

    mount = docker_py.types.Mount("/m", str(tmp_path), type="bind", propagation="rprivate,ro")
    with pytest.raises(docker_py.errors.APIError) as info:
        dclient.containers.create("busybox", "true", name=cleanup.container(), mounts=[mount])
    assert info.value.status_code == 400
    assert "invalid propagation mode: rprivate,ro" in str(info.value)


def test_volumes_key_is_no_bind(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    import docker as docker_py

    (tmp_path / "flag").write_text("host file")
    api = dclient.api
    with pytest.raises(docker_py.errors.APIError) as info:
        api.create_container(
            "busybox", "cat /m/flag", name=cleanup.container(), volumes=[f"{tmp_path}:/m"]
        )
    assert info.value.status_code == 400
