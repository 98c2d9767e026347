"""The classic builder (`DOCKER_BUILDKIT=0 docker build`, docker-py) on real podman."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, Cleanup, DockerRun, Shim, podman

MULTISTAGE = """\
FROM busybox AS base
ARG GREETING=hello
RUN echo "$GREETING" > /greeting
FROM busybox AS final
ARG VERSION=0
COPY --from=base /greeting /greeting
COPY keep.txt /keep.txt
COPY . /ctx
RUN echo "version $VERSION" > /version
HEALTHCHECK --interval=9s --retries=2 CMD test -f /version
STOPSIGNAL SIGUSR1
CMD ["cat", "/version"]
FROM final AS unused
RUN echo never-built
"""


def _working_containers() -> set[str]:
    """podman's hidden build containers (invisible to every Docker command). podman 4.3's
    `ps --external` fails ("container not known") when a build container is removed between
    its two reads of the storage: asked again then."""
    for _ in range(20):
        listed = podman("ps", "-a", "--external", "--format", "{{.ID}} {{.Names}}", check=False)
        if listed.returncode == 0 or "container not known" not in listed.stderr:
            break
        time.sleep(0.1)
    assert listed.returncode == 0, listed.stderr
    return {line.split()[0] for line in listed.stdout.splitlines() if "working-container" in line}


def test_multistage_build_args_target_healthcheck_dockerignore(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(MULTISTAGE)
    (tmp_path / "keep.txt").write_text("keep\n")
    (tmp_path / "secret.txt").write_text("secret\n")
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    name = cleanup.name("dti-build")
    cleanup.images.append(name)
    result = docker(
        "build",
        "-t",
        name,
        "--build-arg",
        "VERSION=42",
        "--build-arg",
        "GREETING=hi",
        "--target",
        "final",
        str(tmp_path),
    )
    out = result.stdout
    assert "Step 1/" in out and " : FROM busybox AS base" in out
    assert "never-built" not in out
    assert "Successfully built " in out and f"Successfully tagged {name}:latest" in out
    data = json.loads(docker("image", "inspect", name).stdout)[0]
    assert data["Config"]["Healthcheck"]["Test"] == ["CMD-SHELL", "test -f /version"]
    assert data["Config"]["Healthcheck"]["Interval"] == 9_000_000_000
    assert data["Config"]["StopSignal"] == "SIGUSR1"
    assert "io.buildah.version" not in (data["Config"]["Labels"] or {})
    files = podman(
        "run",
        "--rm",
        f"docker.io/library/{name}:latest",
        "sh",
        "-c",
        "cat /version /greeting; ls /ctx",
    ).stdout
    assert "version 42" in files and "hi" in files
    assert "keep.txt" in files and "secret.txt" not in files


def test_failing_run_step_exits_non_zero_with_output(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo step-output-dti; exit 3\n")
    before = _working_containers()
    result = docker("build", "-t", cleanup.name("dti-fail"), str(tmp_path), check=False)
    assert result.returncode != 0
    assert "step-output-dti" in result.stdout
    assert "returned a non-zero code: 3" in result.stderr
    assert _working_containers() == before


def test_docker_py_build(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    import docker as docker_py

    (tmp_path / "Dockerfile").write_text('FROM busybox\nLABEL dti=yes\nCMD ["true"]\n')
    name = cleanup.name("dti-pybuild") + ":v1"
    cleanup.images.append(name)
    image, logs = dclient.images.build(path=str(tmp_path), tag=name)
    assert name in image.tags and image.labels["dti"] == "yes"
    assert any("aux" in line for line in logs)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN false\n")
    before = _working_containers()
    with pytest.raises(docker_py.errors.BuildError) as info:
        dclient.images.build(path=str(tmp_path))  # docker-py sends rm=0
    assert "returned a non-zero code: 1" in str(info.value)
    assert _working_containers() == before


def test_buildkit_session_is_refused_at_once(shim: Shim) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(shim.socket)
        sock.sendall(
            b"POST /v1.45/session HTTP/1.1\r\nHost: docker\r\nUpgrade: h2c\r\n"
            b"Connection: Upgrade\r\nContent-Length: 0\r\n\r\n"
        )
        data = b""
        while b'"}' not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head = data.decode()
    assert head.startswith("HTTP/1.1 501")
    assert "DOCKER_BUILDKIT=0" in head or "BuildKit" in head


@pytest.mark.parametrize("compose", [["docker-compose"], [DOCKER, "compose"]], ids=["v1", "v2"])
def test_compose_build(
    compose: list[str], docker_env: dict[str, str], cleanup: Cleanup, tmp_path: Path
) -> None:
    if shutil.which(compose[0]) is None:
        pytest.fail(f"{compose[0]} is not installed (scripts/bootstrap.sh installs it)")
    (tmp_path / "Dockerfile").write_text("FROM busybox\nARG X=1\nRUN echo compose-build-$X\n")
    name = cleanup.name("dti-compose") + ":v1"
    cleanup.images.append(name)
    (tmp_path / "compose.yaml").write_text(
        f'services:\n  app:\n    build:\n      context: .\n      args:\n        X: "7"\n'
        f"    image: {name}\n"
    )
    result = subprocess.run(
        [
            *compose,
            "--project-directory",
            str(tmp_path),
            "-f",
            str(tmp_path / "compose.yaml"),
            "build",
        ],
        capture_output=True,
        text=True,
        env=docker_env,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "compose-build-7" in result.stdout + result.stderr
    assert podman("image", "exists", f"docker.io/library/{name}").returncode == 0


STRICT_REGISTRIES = """\
short-name-mode = "enforcing"

[[registry]]
prefix = "docker.io"
location = "127.0.0.1:5000"
insecure = true
"""


def test_short_names_never_reach_podman(cleanup: Cleanup, tmp_path: Path) -> None:
    """With no unqualified-search registries podman cannot resolve `busybox` by itself: pull,
    build (local and registry-only bases) and inspect must still work with Docker's names."""
    conf = tmp_path / "registries.conf"
    conf.write_text(STRICT_REGISTRIES)
    remote = cleanup.name("dti-strict")
    podman("tag", "docker.io/library/busybox:latest", f"127.0.0.1:5000/library/{remote}:v1")
    podman("push", "--tls-verify=false", f"127.0.0.1:5000/library/{remote}:v1")
    podman("untag", "docker.io/library/busybox:latest", f"127.0.0.1:5000/library/{remote}:v1")
    cleanup.images.append(f"docker.io/library/{remote}:v1")
    workdir = tmp_path / "shim"
    workdir.mkdir()
    shim = Shim(workdir, "--idle-timeout", "0", env={"CONTAINERS_REGISTRIES_CONF": str(conf)})
    shim.start()
    try:
        env = {
            **os.environ,
            "DOCKER_HOST": shim.url,
            "DOCKER_BUILDKIT": "0",
            "DOCKER_CONFIG": str(tmp_path / "cfg"),
        }

        def docker(*args: str) -> subprocess.CompletedProcess[str]:
            result = subprocess.run(
                [DOCKER, *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
                stdin=subprocess.DEVNULL,
            )
            assert result.returncode == 0, result.stderr
            return result

        assert "Image is up to date for busybox:latest" in docker("pull", "busybox").stdout
        context = tmp_path / "ctx"
        context.mkdir()
        (context / "Dockerfile").write_text(
            f"FROM busybox AS one\nRUN echo local-base > /f\n"
            f"FROM {remote}:v1\nCOPY --from=one /f /f\nRUN cat /f\n"
        )
        name = cleanup.name("dti-strictbuild")
        cleanup.images.append(name)
        out = docker("build", "-t", name, str(context)).stdout
        assert "Step 1/5 : FROM busybox AS one" in out and f"Step 3/5 : FROM {remote}:v1" in out
        assert "local-base" in out
        assert f"Successfully tagged {name}:latest" in out
        docker("image", "inspect", name)
    finally:
        shim.stop()


def _podman_builds() -> set[str]:
    found = subprocess.run(
        ["pgrep", "-u", str(os.getuid()), "-f", "podman build --format docker"],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(found.stdout.split())


def test_client_going_away_stops_the_build(shim: Shim, tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\nRUN sleep 20\n")
    archive = tmp_path / "ctx.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(context / "Dockerfile", arcname="Dockerfile")
    body = archive.read_bytes()
    before_builds, before_work = _podman_builds(), _working_containers()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(60)
        sock.connect(shim.socket)
        sock.sendall(
            b"POST /v1.45/build?nocache=1 HTTP/1.1\r\nHost: docker\r\n"
            b"Content-Type: application/x-tar\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        seen = b""
        while b"RUN sleep 20" not in seen:
            chunk = sock.recv(4096)
            assert chunk, seen
            seen += chunk
        assert _podman_builds() - before_builds
    # The client is gone: the podman child and its working container must go too.
    for _ in range(100):
        if not (_podman_builds() - before_builds) and _working_containers() == before_work:
            break
        time.sleep(0.2)
    assert not (_podman_builds() - before_builds)
    assert _working_containers() == before_work
