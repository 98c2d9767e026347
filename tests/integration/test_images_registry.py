"""Login, push and pull back against the htpasswd registry on 127.0.0.1:5001."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUTH_REGISTRY, Cleanup, DockerRun, Shim, podman


def _unique_image(docker: DockerRun, tmp_path: Path, tag: str) -> str:
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nLABEL dti.unique={tag}\n")
    docker("build", "-q", "-t", tag, str(tmp_path))
    return tag


def test_login_push_pull_round_trip(docker: DockerRun, cleanup: Cleanup, tmp_path: Path) -> None:
    bad = docker(
        "login", "-u", "testuser", "--password-stdin", AUTH_REGISTRY, input="wrong\n", check=False
    )
    assert bad.returncode == 1
    assert "401 Unauthorized" in bad.stderr
    ok = docker(
        "login", "-u", "testuser", "--password-stdin", AUTH_REGISTRY, input="testpassword\n"
    )
    assert "Login Succeeded" in ok.stdout
    try:
        name = f"{AUTH_REGISTRY}/{cleanup.name('dti-push')}:v1"
        cleanup.images.append(name)
        _unique_image(docker, tmp_path, name)
        pushed = docker("push", name).stdout
        assert f"The push refers to repository [{name.rsplit(':', 1)[0]}]" in pushed
        digest = re.search(r"v1: digest: (sha256:[0-9a-f]{64})", pushed)
        assert digest, pushed
        docker("rmi", name)
        assert podman("image", "exists", name, check=False).returncode != 0
        pulled = docker("pull", name).stdout
        assert f"Digest: {digest[1]}" in pulled
        assert f"Status: Downloaded newer image for {name}" in pulled
        repo_digests = docker("inspect", "-f", "{{json .RepoDigests}}", name).stdout
        assert digest[1] in repo_digests
    finally:
        docker("logout", AUTH_REGISTRY)


def test_push_without_credentials_fails(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = f"{AUTH_REGISTRY}/{cleanup.name('dti-noauth')}:v1"
    cleanup.images.append(name)
    docker("tag", "busybox", name)
    result = docker("push", name, check=False)
    assert result.returncode == 1
    assert "authentication required" in result.stderr + result.stdout


def test_pull_private_image_without_credentials_fails(docker: DockerRun, cleanup: Cleanup) -> None:
    name = f"{AUTH_REGISTRY}/{cleanup.name('dti-private')}:v1"
    result = docker("pull", name, check=False)
    assert result.returncode == 1
    assert "no basic auth credentials" in result.stderr or "not found" in result.stderr


def test_build_from_private_base_uses_registry_config(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    docker("login", "-u", "testuser", "--password-stdin", AUTH_REGISTRY, input="testpassword\n")
    try:
        base = f"{AUTH_REGISTRY}/{cleanup.name('dti-base')}:v1"
        cleanup.images.append(base)
        _unique_image(docker, tmp_path, base)
        docker("push", base)
        docker("rmi", base)
        context = tmp_path / "ctx"
        context.mkdir()
        (context / "Dockerfile").write_text(f"FROM {base}\nRUN echo from-private-base\n")
        name = cleanup.name("dti-onprivate")
        cleanup.images.append(name)
        out = docker("build", "-t", name, str(context)).stdout
        assert "from-private-base" in out and f"Successfully tagged {name}:latest" in out
    finally:
        docker("logout", AUTH_REGISTRY)


def test_docker_py_login_and_push(shim: Shim, cleanup: Cleanup) -> None:
    import docker as docker_py

    # a client of its own: docker-py keeps a login for the client's life, and the session's
    # client would send it to tests that expect none (test_distribution.py)
    dclient = docker_py.DockerClient(base_url=shim.url, version="auto", timeout=120)
    try:
        _login_and_push(docker_py, dclient, cleanup)
    finally:
        dclient.close()


def _login_and_push(docker_py: Any, dclient: Any, cleanup: Cleanup) -> None:
    with pytest.raises(docker_py.errors.APIError) as info:
        dclient.login("testuser", "wrong", registry=AUTH_REGISTRY, reauth=True)
    assert info.value.status_code == 401
    answer = dclient.login("testuser", "testpassword", registry=AUTH_REGISTRY, reauth=True)
    assert answer["Status"] == "Login Succeeded"
    repo = f"{AUTH_REGISTRY}/{cleanup.name('dti-pypush')}"
    cleanup.images.append(f"{repo}:v1")
    dclient.images.get("busybox").tag(repo, "v1")
    auth = {"username": "testuser", "password": "testpassword"}
    lines = list(dclient.images.push(repo, tag="v1", auth_config=auth, stream=True, decode=True))
    assert all("error" not in line for line in lines), lines
    assert lines[-1]["aux"]["Tag"] == "v1"
    assert lines[-1]["aux"]["Digest"].startswith("sha256:")


def test_push_all_tags(docker: DockerRun, cleanup: Cleanup) -> None:
    repo = f"127.0.0.1:5000/{cleanup.name('dti-alltags')}"
    for tag in ("a1", "b2"):
        cleanup.images.append(f"{repo}:{tag}")
        docker("tag", "busybox", f"{repo}:{tag}")
    out = docker("push", "--all-tags", repo).stdout
    assert "a1: digest: sha256:" in out and "b2: digest: sha256:" in out
    for tag in ("a1", "b2"):
        docker("rmi", f"{repo}:{tag}")
        assert f"Downloaded newer image for {repo}:{tag}" in docker("pull", f"{repo}:{tag}").stdout
    missing = docker("push", "--all-tags", f"{repo}-none", check=False)
    assert missing.returncode == 1
    assert "An image does not exist locally with the tag" in missing.stderr
