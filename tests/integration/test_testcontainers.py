"""Testcontainers for Python (the real library) against dockershim and rootless podman.

What a Testcontainers user's suite does: start a container as a context manager, wait for a log
line, exec into it, read its mapped port and talk to it, put containers on a network and reach
one by its alias, copy files in and out; everything is removed at the end of the `with` block.
Ryuk is disabled: the testcontainers/ryuk image cannot be pulled offline (docs/testcontainers.md).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import pathlib
import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from testcontainers.compose import DockerCompose
from testcontainers.core.config import ConnectionMode, testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.image import DockerImage
from testcontainers.core.labels import SESSION_ID
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import (
    HealthcheckWaitStrategy,
    HttpWaitStrategy,
    LogMessageWaitStrategy,
)
from testcontainers.core.waiting_utils import wait_for_logs

from tests.conftest import AUTH_REGISTRY, REGISTRY, Cleanup, DockerRun, Shim, podman
from tests.integration.test_containers_cli import fetch, free_port

HTTPD = "mkdir -p /www && echo hello-testcontainers > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www"


@pytest.fixture
def tc_env(shim: Shim, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point Testcontainers at the session's shim, as a user would with DOCKER_HOST."""
    monkeypatch.setenv("DOCKER_HOST", shim.url)
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    # The library caches the Ryuk setting on first read: make it read the variable above.
    monkeypatch.setattr(testcontainers_config, "_ryuk_disabled", None)
    # This test machine is itself a container (/.dockerenv exists), which makes Testcontainers
    # pick its Docker-in-Docker "gateway_ip" mode; on a normal host it uses "docker_host"
    # (localhost + the mapped port), which is what TESTCONTAINERS_CONNECTION_MODE selects.
    monkeypatch.setattr(
        testcontainers_config, "connection_mode_override", ConnectionMode.docker_host
    )
    yield


def track(cleanup: Cleanup, container: DockerContainer) -> str:
    cid = container.get_container_id()
    cleanup.containers.append(cid)
    return cid


def gone(cid: str) -> bool:
    return podman("container", "exists", cid, check=False).returncode == 1


@pytest.mark.filterwarnings("ignore:The wait_for_logs function:DeprecationWarning")
def test_container_logs_exec_env_labels_and_removal(
    tc_env: None, docker: DockerRun, cleanup: Cleanup
) -> None:
    command = ["sh", "-c", "echo to-stderr >&2; echo ready $GREETING; exec sleep 300"]
    container = DockerContainer("busybox").with_command(command).with_env("GREETING", "hi-tc")
    with container as started:
        cid = track(cleanup, started)
        assert wait_for_logs(started, r"ready hi-tc", timeout=60) >= 0
        stdout, stderr = started.get_logs()
        assert stdout == b"ready hi-tc\n"
        assert stderr == b"to-stderr\n"

        result = started.exec(["sh", "-c", "echo $GREETING; exit 3"])
        assert (result.exit_code, result.output) == (3, b"hi-tc\n")
        wrapped = started.get_wrapped_container()
        assert wrapped.id == cid
        assert wrapped.exec_run(["cat", "/etc/hostname"]).exit_code == 0
        wrapped.reload()
        assert wrapped.status == "running"
        assert started.status == "running"

        info = json.loads(docker("inspect", cid).stdout)[0]
        labels = info["Config"]["Labels"]
        assert labels["org.testcontainers"] == "true"
        assert labels["org.testcontainers.lang"] == "python"
        assert labels["org.testcontainers.session-id"] == SESSION_ID
        assert labels["org.testcontainers.version"]
        assert "GREETING=hi-tc" in info["Config"]["Env"]
        assert info["Config"]["Cmd"] == command
        inspect_info = started.get_container_info()
        assert inspect_info is not None
        assert inspect_info.Id == cid
        assert inspect_info.State is not None
        assert (inspect_info.State.Status, inspect_info.State.Running) == ("running", True)
        assert inspect_info.NetworkSettings is not None
    assert gone(cid)


def test_exposed_port_serves_http_to_the_test(tc_env: None, cleanup: Cleanup) -> None:
    container = (
        DockerContainer("busybox")
        .with_command(["sh", "-c", HTTPD])
        .with_exposed_ports(8080)
        .waiting_for(HttpWaitStrategy(8080, "/index.html").with_startup_timeout(60))
    )
    with container as started:
        cid = track(cleanup, started)
        host = started.get_container_host_ip()
        port = started.get_exposed_port(8080)
        assert host == "localhost"
        assert port > 0
        body = fetch(f"http://{host}:{port}/index.html")
        assert body == b"hello-testcontainers\n"
    assert gone(cid)


def test_bind_port_volume_tmpfs_and_name(
    tc_env: None, cleanup: Cleanup, tmp_path: pathlib.Path
) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("from the host\n")
    www.chmod(0o755)
    (www / "index.html").chmod(0o644)
    port = free_port()
    name = cleanup.container(cleanup.name("tc-named"))
    container = (
        DockerContainer("busybox")
        .with_name(name)
        .with_command(["sh", "-c", "echo scratch > /scratch/f && exec httpd -f -p 8080 -h /www"])
        .with_bind_ports(8080, port)
        .with_volume_mapping(www, "/www", "ro")
        # Docker's Tmpfs value is a mount-option string: dockerd, like the shim, refuses the bare
        # "8m" the library's docstring suggests ("Invalid tmpfs option"); "size=8m" works on both.
        .with_tmpfs_mount("/scratch", "size=8m")
    )
    with container as started:
        assert started.get_exposed_port(8080) == port
        assert fetch(f"http://127.0.0.1:{port}/index.html") == b"from the host\n"
        mounts = {
            fields[1]: fields
            for fields in (
                line.split()
                for line in started.exec(["cat", "/proc/mounts"]).output.decode().splitlines()
            )
        }
        assert "ro" in mounts["/www"][3].split(",")
        assert mounts["/scratch"][2] == "tmpfs"
        assert "size=8192k" in mounts["/scratch"][3].split(",")
        assert started.exec(["touch", "/www/nope"]).exit_code != 0
        info = started.get_wrapped_container()
        assert info.name == name
    assert gone(name)


def test_network_alias_reachable_from_another_container(tc_env: None, cleanup: Cleanup) -> None:
    with Network() as network:
        cleanup.networks.append(network.name)
        assert podman("network", "exists", network.name, check=False).returncode == 0
        server = (
            DockerContainer("busybox")
            .with_command(["sh", "-c", HTTPD])
            .with_network(network)
            .with_network_aliases("web-alias")
            .waiting_for(LogMessageWaitStrategy("serving").with_startup_timeout(60))
        )
        client = DockerContainer("busybox").with_command(["sleep", "300"]).with_network(network)
        with server as started_server, client as started_client:
            ids = [track(cleanup, started_server), track(cleanup, started_client)]
            result: Any = None
            for _ in range(25):
                result = started_client.exec(
                    ["wget", "-q", "-O-", "http://web-alias:8080/index.html"]
                )
                if result.exit_code == 0:
                    break
                time.sleep(0.2)
            assert result.exit_code == 0, result.output
            assert result.output == b"hello-testcontainers\n"
            # What the library reads in its bridge_ip (Docker-out-of-Docker) mode: the network
            # the container runs on and its address there, from GET /containers/json.
            tc_client = started_server.get_docker_client()
            assert tc_client.network_name(ids[0]) == network.name
            server_ip = tc_client.bridge_ip(ids[0])
            subnet = json.loads(podman("network", "inspect", network.name).stdout)[0]["subnets"][0]
            assert ipaddress.ip_address(server_ip) in ipaddress.ip_network(subnet["subnet"])
            assert tc_client.gateway_ip(ids[0]) == subnet["gateway"]
            by_ip = started_client.exec(
                ["wget", "-q", "-O-", f"http://{server_ip}:8080/index.html"]
            )
            assert by_ip.output == b"hello-testcontainers\n"
            assert tc_client.find_host_network() is None
        assert all(gone(cid) for cid in ids)
    assert podman("network", "exists", network.name, check=False).returncode == 1


def test_copy_into_and_from_container(
    tc_env: None, cleanup: Cleanup, tmp_path: pathlib.Path
) -> None:
    container = (
        DockerContainer("busybox")
        .with_command(["sleep", "300"])
        .with_copy_into_container(b"before start\n", "/seed/created.txt", 0o600)
    )
    with container as started:
        track(cleanup, started)
        started.copy_into_container(b"while running\n", "/seed/running.txt")
        result = started.exec(
            ["sh", "-c", "cat /seed/created.txt /seed/running.txt; stat -c %a /seed/created.txt"]
        )
        assert result.exit_code == 0
        assert result.output == b"before start\nwhile running\n600\n"
        target = tmp_path / "out.txt"
        started.copy_from_container("/seed/running.txt", target)
        assert target.read_bytes() == b"while running\n"


def test_image_missing_locally_is_pulled(tc_env: None, cleanup: Cleanup) -> None:
    """Testcontainers inspects the image and pulls it when the engine answers 404."""
    image = f"{REGISTRY}/library/busybox:latest"
    podman("rmi", image, check=False)
    cleanup.images.append(image)
    with DockerContainer(image).with_command(["sh", "-c", "echo pulled-ok; sleep 300"]) as started:
        track(cleanup, started)
        LogMessageWaitStrategy("pulled-ok").with_startup_timeout(60).wait_until_ready(started)
    assert podman("image", "exists", image, check=False).returncode == 0


def test_container_wait_returns_exit_code(tc_env: None, cleanup: Cleanup) -> None:
    with DockerContainer("busybox").with_command(["sh", "-c", "exit 7"]) as started:
        track(cleanup, started)
        assert started.wait() == 7


def test_healthcheck_wait_strategy(tc_env: None, cleanup: Cleanup) -> None:
    healthcheck = {
        "test": ["CMD-SHELL", "test -e /tmp/ready"],
        "interval": 500_000_000,
        "timeout": 2_000_000_000,
        "retries": 30,
    }
    container = (
        DockerContainer("busybox")
        .with_command(["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 300"])
        .with_kwargs(healthcheck=healthcheck)
        .waiting_for(HealthcheckWaitStrategy().with_startup_timeout(60))
    )
    with container as started:
        track(cleanup, started)
        wrapped = started.get_wrapped_container()
        wrapped.reload()
        assert wrapped.attrs["State"]["Health"]["Status"] == "healthy"


def test_docker_image_build_then_run(
    tc_env: None, cleanup: Cleanup, tmp_path: pathlib.Path
) -> None:
    tag = f"{cleanup.name('tc-image')}:latest"
    cleanup.images.append(tag)
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox\nRUN echo built-by-testcontainers > /built.txt\nCMD ["cat", "/built.txt"]\n'
    )
    with DockerImage(path=tmp_path, tag=tag) as image:
        assert str(image) == tag
        assert podman("image", "exists", tag, check=False).returncode == 0
        with DockerContainer(str(image)) as started:
            track(cleanup, started)
            assert started.wait() == 0
            assert started.get_logs()[0] == b"built-by-testcontainers\n"
    assert podman("image", "exists", tag, check=False).returncode == 1


def test_docker_compose_service_host_and_port(
    tc_env: None, cleanup: Cleanup, tmp_path: pathlib.Path
) -> None:
    """testcontainers.compose drives the docker compose v2 CLI, which talks to the shim."""
    project = tmp_path / cleanup.name("tcproj")
    project.mkdir()
    (project / "compose.yaml").write_text(
        "services:\n"
        "  web:\n"
        "    image: busybox\n"
        f'    command: ["sh", "-c", "{HTTPD}"]\n'
        '    ports: ["8080"]\n'
    )
    compose = DockerCompose(project, compose_file_name="compose.yaml")
    with compose:
        container = compose.get_container("web")
        assert container.ID
        cleanup.containers.append(container.ID)
        host, port = compose.get_service_host_and_port("web", 8080)
        assert port
        body = fetch(f"http://127.0.0.1:{port}/index.html")
        assert body == b"hello-testcontainers\n"
        assert host == "0.0.0.0"
        stdout, _ = compose.get_logs("web")
        assert "serving" in stdout
    assert gone(container.ID)


def test_private_registry_through_docker_auth_config(
    tc_env: None, cleanup: Cleanup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOCKER_AUTH_CONFIG: the library logs in (POST /auth), then pulls with X-Registry-Auth."""
    image = f"{AUTH_REGISTRY}/{cleanup.name('tc-private')}:v1"
    cleanup.images.append(image)
    podman("push", "--creds", "testuser:testpassword", "busybox", image)
    assert podman("image", "exists", image, check=False).returncode == 1
    auth = base64.b64encode(b"testuser:testpassword").decode()
    config = json.dumps({"auths": {AUTH_REGISTRY: {"auth": auth}}})
    monkeypatch.setattr(testcontainers_config, "_docker_auth_config", config)
    with DockerContainer(image).with_command(["sh", "-c", "echo private-ok"]) as started:
        track(cleanup, started)
        assert started.wait() == 0
        assert started.get_logs()[0] == b"private-ok\n"
    assert podman("image", "exists", image, check=False).returncode == 0


def test_found_through_the_current_docker_context(
    shim: Shim,
    docker: DockerRun,
    cleanup: Cleanup,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: pathlib.Path,
) -> None:
    """Without DOCKER_HOST, Testcontainers uses the docker CLI's current context (what
    `dockershim install` writes and `docker context use dockershim` selects)."""
    config = tmp_path / "docker-config"
    config.mkdir()
    env = {"DOCKER_CONFIG": str(config), "DOCKER_HOST": ""}
    docker("context", "create", "dockershim", "--docker", f"host={shim.url}", env=env)
    docker("context", "use", "dockershim", env=env)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.setenv("DOCKER_HOST", "")  # restored afterwards: the library exports what it found
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    monkeypatch.setattr(testcontainers_config, "_ryuk_disabled", None)
    with DockerContainer("busybox").with_command(["sh", "-c", "echo via-context"]) as started:
        track(cleanup, started)
        assert started.wait() == 0
        assert started.get_logs()[0] == b"via-context\n"
        assert os.environ["DOCKER_HOST"] == shim.url  # what the library read from the context


def test_what_ryuk_does_at_session_end(tc_env: None, dclient: Any, cleanup: Cleanup) -> None:
    """Ryuk cannot run offline; replay its clean-up calls (moby-ryuk reaper.go: list each kind
    with the session-id label filter, check creation times, remove) on what a session left."""
    network = Network().create()
    cleanup.networks.append(network.name)
    left = DockerContainer("busybox").with_command(["sleep", "300"]).with_network(network).start()
    cid = track(cleanup, left)
    session = {"label": [f"org.testcontainers.session-id={SESSION_ID}"]}
    now = time.time()

    containers = dclient.api.containers(all=True, filters=session)
    assert [c["Id"] for c in containers] == [cid]
    assert 0 < containers[0]["Created"] <= now
    networks = dclient.api.networks(filters=session)
    assert [n["Name"] for n in networks] == [network.name]
    created = re.sub(r"(\.\d{6})\d+", r"\1", networks[0]["Created"]).replace("Z", "+00:00")
    assert datetime.fromisoformat(created).timestamp() <= now
    assert dclient.api.volumes(filters=session)["Volumes"] in (None, [])
    assert dclient.api.images(filters=session) == []

    dclient.api.remove_container(cid, v=True, force=True)
    dclient.api.remove_network(networks[0]["Id"])
    assert gone(cid)
    assert podman("network", "exists", network.name, check=False).returncode == 1
