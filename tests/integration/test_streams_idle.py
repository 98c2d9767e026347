"""Streams and the idle exit: a hijacked stream keeps the service alive; exec records outlive it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cleanup, Shim, podman


def test_streams_keep_the_service_and_records_survive_its_exit(
    tmp_path: Path, cleanup: Cleanup
) -> None:
    import docker as docker_py

    name = cleanup.container()
    podman("run", "-d", "--name", name, "busybox", "sleep", "600")
    shim = Shim(tmp_path, "--idle-timeout", "1").start()
    try:
        client = docker_py.APIClient(base_url=shim.url, version="1.45")
        slow = client.exec_create(name, ["sh", "-c", "sleep 3; echo slept"])["Id"]
        # the stream lasts longer than the idle timeout: the service must serve it to the end
        assert client.exec_start(slow) == b"slept\n"
        assert client.exec_inspect(slow)["ExitCode"] == 0
        later = client.exec_create(name, ["sh", "-c", "echo later; exit 7"])["Id"]
        client.close()
        assert shim.proc is not None
        assert shim.proc.wait(timeout=60) == 0  # idle: it exits
    finally:
        shim.stop()
    again = Shim(tmp_path, "--idle-timeout", "1").start()  # as the next activation would
    try:
        client = docker_py.APIClient(base_url=again.url, version="1.45")
        assert client.exec_inspect(slow)["ExitCode"] == 0
        assert client.exec_start(later) == b"later\n"
        assert client.exec_inspect(later)["ExitCode"] == 7
        client.close()
    finally:
        again.stop()
