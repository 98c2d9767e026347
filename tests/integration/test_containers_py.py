"""Containers through docker-py against rootless podman."""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any

import pytest

from tests.conftest import Cleanup, Shim, podman


def test_run_detach_get_list_logs_stop_remove(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run(
        "busybox",
        ["sh", "-c", "echo to-out; echo to-err >&2; exec sleep 300"],
        name=name,
        detach=True,
        labels={"suite": "containers", "flag": ""},
        environment={"A": "1"},
    )
    assert c.name == name
    got = dclient.containers.get(name)
    assert got.id == c.id
    assert got.status == "running"
    assert got.attrs["Config"]["Labels"]["suite"] == "containers"
    assert got.attrs["Image"].startswith("sha256:")
    assert got.attrs["Config"]["Image"] == "busybox"
    ids = [x.id for x in dclient.containers.list(filters={"label": "suite=containers"})]
    assert c.id in ids
    assert c.id in [x.id for x in dclient.containers.list(filters={"label": "flag"})]
    assert c.id not in [x.id for x in dclient.containers.list(filters={"label": "suite=other"})]
    assert c.id in [x.id for x in dclient.containers.list(filters={"name": name})]
    assert c.id in [x.id for x in dclient.containers.list(filters={"status": "running"})]
    assert c.id not in [x.id for x in dclient.containers.list(filters={"status": "exited"})]
    assert c.id in [x.id for x in dclient.containers.list(filters={"ancestor": "busybox"})]
    # wait until both lines are logged
    for _ in range(50):
        if b"to-err" in c.logs():
            break
    assert c.logs(stdout=True, stderr=False) == b"to-out\n"
    assert c.logs(stdout=False, stderr=True) == b"to-err\n"
    top = c.top()
    assert "PID" in top["Titles"]
    assert any("sleep" in " ".join(p) for p in top["Processes"])
    assert top["Titles"][:2] == ["UID", "PID"]
    custom = c.top(ps_args="-o pid,comm")
    assert custom["Titles"] == ["PID", "COMMAND"]
    assert ["1", "sh"] in custom["Processes"] or ["1", "sleep"] in custom["Processes"]
    c.stop(timeout=1)
    c.reload()
    assert c.status == "exited"
    assert c.attrs["State"]["ExitCode"] == 137 or c.attrs["State"]["ExitCode"] == 143
    assert c.id in [x.id for x in dclient.containers.list(all=True, filters={"status": "exited"})]
    assert c.id not in [x.id for x in dclient.containers.list()]
    c.remove()
    assert podman("container", "exists", name, check=False).returncode == 1


def test_wait_rename_and_exit_code(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run("busybox", ["sh", "-c", "exit 7"], name=name, detach=True)
    assert c.wait() == {"StatusCode": 7, "Error": None}
    new = cleanup.container()
    c.rename(new)
    c.reload()
    assert c.name == new
    assert c.attrs["Name"] == f"/{new}"
    c.remove()


def test_not_found_and_conflicts(dclient: Any, cleanup: Cleanup) -> None:
    import docker.errors

    with pytest.raises(docker.errors.NotFound) as info:
        dclient.containers.get("no-such-container-here")
    assert "No such container: no-such-container-here" in str(info.value)
    with pytest.raises(docker.errors.ImageNotFound):
        dclient.containers.create("no-such-image-xyz:nope")
    name = cleanup.container()
    c = dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    with pytest.raises(docker.errors.APIError) as err:
        c.remove()
    assert err.value.status_code == 409
    c.remove(force=True)


def test_bad_body_leaves_nothing(dclient: Any, cleanup: Cleanup) -> None:
    import docker.errors

    name = cleanup.container()
    with pytest.raises(docker.errors.APIError) as err:
        dclient.api.create_container(
            "busybox",
            name=name,
            host_config=dclient.api.create_host_config(restart_policy={"Name": "sometimes"}),
        )
    assert err.value.status_code == 400
    assert podman("container", "exists", name, check=False).returncode == 1


def _raw_request(shim: Shim, method: str, path: str) -> http.client.HTTPResponse:
    class Conn(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(shim.socket)

    conn = Conn("docker", timeout=60)
    conn.request(method, path)
    return conn.getresponse()


def test_wait_head_comes_before_exit(dclient: Any, shim: Shim, cleanup: Cleanup) -> None:
    """`docker run` needs the wait head before it starts the container."""
    name = cleanup.container()
    c = dclient.containers.create("busybox", ["sh", "-c", "exit 5"], name=name)
    resp = _raw_request(shim, "POST", f"/v1.45/containers/{c.id}/wait?condition=next-exit")
    assert resp.status == 200  # the head arrived while the container is still only created
    c.start()
    assert json.loads(resp.read()) == {"StatusCode": 5, "Error": None}


def test_autoremove_wait_removed(dclient: Any, shim: Shim, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.create(
        "busybox", ["sh", "-c", "sleep 1; exit 4"], name=name, auto_remove=True
    )
    resp = _raw_request(shim, "POST", f"/v1.45/containers/{c.id}/wait?condition=removed")
    assert resp.status == 200
    c.start()
    assert json.loads(resp.read()) == {"StatusCode": 4, "Error": None}
    assert podman("container", "exists", name, check=False).returncode == 1


def test_restart_policy_on_failure_retries(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run(
        "busybox", ["sh", "-c", "sleep 0.3; exit 1"], name=name, detach=True,
        restart_policy={"Name": "on-failure", "MaximumRetryCount": 2},
    )  # fmt: skip
    for _ in range(100):
        c.reload()
        if c.attrs["RestartCount"] == 2 and c.status == "exited":
            break
        time.sleep(0.2)
    assert c.attrs["RestartCount"] == 2
    assert c.attrs["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert c.status == "exited"


def test_random_host_port_is_reported(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    c = dclient.containers.run(
        "busybox", ["httpd", "-f", "-p", "80"], name=name, detach=True, ports={"80/tcp": None}
    )
    c.reload()
    bindings = c.attrs["NetworkSettings"]["Ports"]["80/tcp"]
    port = int(bindings[0]["HostPort"])
    assert port > 0
    assert dclient.api.port(c.id, 80)[0]["HostPort"] == str(port)
    with socket.create_connection(("127.0.0.1", port), timeout=10):
        pass


def test_run_not_detached_returns_output_and_raises_on_failure(
    dclient: Any, cleanup: Cleanup
) -> None:
    """docker-py's run without detach: create -> start -> wait -> logs (no attach)."""
    import docker.errors

    name = cleanup.container()
    out = dclient.containers.run("busybox", ["sh", "-c", "echo hi"], name=name, remove=True)
    assert out == b"hi\n"
    with pytest.raises(docker.errors.ContainerError) as err:
        dclient.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 5"], remove=True)
    assert err.value.exit_status == 5
    assert b"bad" in err.value.stderr
