"""`docker update --restart` against real rootless podman: the policy changes, the id stays,
and podman enforces the new policy when the container's process exits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tests.conftest import Cleanup, DockerRun, podman

DEADLINE = 90.0


def _until(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.3)


def _state(dclient: Any, name: str) -> dict[str, Any]:
    data: dict[str, Any] = dclient.api.inspect_container(name)
    return data


def test_restart_policy_changes_and_podman_enforces_it(
    docker: DockerRun, dclient: Any, cleanup: Cleanup
) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 3")
    assert docker("wait", name).stdout.strip() == "3"
    first = _state(dclient, name)
    assert first["HostConfig"]["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}

    assert docker("update", "--restart", "always", name).stdout.strip() == name
    always = _state(dclient, name)
    assert always["Id"] == first["Id"]
    assert always["HostConfig"]["RestartPolicy"] == {"Name": "always", "MaximumRetryCount": 0}
    docker("start", name)
    # the process exits after a second each time: podman's cleanup restarts it
    _until("two restarts", lambda: _state(dclient, name)["RestartCount"] >= 2)

    docker("update", "--restart", "on-failure:2", name)
    limited = _state(dclient, name)
    assert limited["Id"] == first["Id"]
    assert limited["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    # two restarts are used up: the next exit is the last
    _until(
        "the container to stay exited",
        lambda: (
            not _state(dclient, name)["State"]["Running"]
            and podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip() == "exited"
        ),
    )
    assert _state(dclient, name)["State"]["ExitCode"] == 3

    docker("update", "--restart", "no", name)
    assert _state(dclient, name)["HostConfig"]["RestartPolicy"]["Name"] == "no"
    docker("start", name)
    assert docker("wait", name).stdout.strip() == "3"
    count = _state(dclient, name)["RestartCount"]
    time.sleep(3)  # a restart would come within a second of the exit; none may come
    final = _state(dclient, name)
    assert not final["State"]["Running"] and final["RestartCount"] == count
    assert final["Id"] == first["Id"]

    # podman's state is intact: listing, inspecting, creating and removing still work
    listed = podman("ps", "-a", "--format", "json").stdout
    assert first["Id"] in {c["Id"] for c in json.loads(listed)}
    other = cleanup.container()
    podman("create", "--name", other, "busybox", "true")
    assert (
        podman("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", other).returncode == 0
    )
    podman("rm", other)
    docker("rm", name)


def test_docker_py_update_and_the_refusals(
    docker: DockerRun, dclient: Any, cleanup: Cleanup
) -> None:
    import docker as docker_py

    name = cleanup.container()
    container = dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    container.update(restart_policy={"Name": "unless-stopped", "MaximumRetryCount": 0})
    container.reload()
    assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert podman(
        "inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", name
    ).stdout.strip() == ("unless-stopped")
    # restart policy and resources in one call: both apply (or the resource is warned about)
    answer = dclient.api.update_container(
        name, restart_policy={"Name": "on-failure", "MaximumRetryCount": 5}, cpu_shares=512
    )
    assert isinstance(answer["Warnings"], list)
    container.reload()
    assert container.attrs["HostConfig"]["RestartPolicy"] == {
        "Name": "on-failure",
        "MaximumRetryCount": 5,
    }
    bad = docker("update", "--restart", "always:3", name, check=False)
    assert bad.returncode == 1 and "on-failure" in bad.stderr
    try:
        dclient.api.update_container(name, restart_policy={"Name": "sometimes"})
        raise AssertionError("an unknown policy was accepted")
    except docker_py.errors.APIError as exc:
        assert exc.status_code == 400 and "unknown policy" in str(exc)

    removed = cleanup.container()
    docker("run", "-d", "--rm", "--name", removed, "busybox", "sleep", "300")
    refused = docker("update", "--restart", "always", removed, check=False)
    assert refused.returncode == 1
    assert "Restart policy cannot be updated because AutoRemove is enabled" in refused.stderr
    assert _state(dclient, removed)["HostConfig"]["RestartPolicy"]["Name"] == "no"
    docker("update", "--restart", "no", removed)  # "no" is always allowed
