"""State and hijacked streams across idle exits: an attached `docker run -i` keeps the service
alive; exec records created by one service are started and inspected by the next one."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import docker as docker_py

from tests.conftest import DOCKER, FIXTURE_IMAGE, Cleanup
from tests.integration.activation import IDLE, Activated, activated, docker_cli

__all__ = ["activated"]  # the fixture


def test_attached_run_outlives_idle_timeouts(activated: Activated, cleanup: Cleanup) -> None:
    name = cleanup.container()
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "DOCKER_HOST": activated.url, "DOCKER_CONFIG": config}
        argv = [DOCKER, "run", "--rm", "-i", "--name", name, FIXTURE_IMAGE, "cat"]
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            assert activated.next_notification() == "READY=1"
            pids = activated.service_pids()
            for i in range(6):  # 6 lines over about 6 idle timeouts, each echoed back
                proc.stdin.write(f"line {i}\n")
                proc.stdin.flush()
                assert proc.stdout.readline() == f"line {i}\n"
                time.sleep(IDLE)
            assert activated.drain_notifications() == []
            assert activated.service_pids() == pids
            proc.stdin.close()
            assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    activated.wait_for("STOPPING=1")


def test_exec_records_survive_idle_exits(tmp_path: Path, cleanup: Cleanup) -> None:
    instance = Activated(tmp_path, "activator", IDLE).start()
    client = docker_py.APIClient(base_url=instance.url, version="auto", timeout=120)
    try:
        name = cleanup.container()
        run = docker_cli(instance.url, "run", "-d", "--name", name, FIXTURE_IMAGE, "sleep", "300")
        assert run.returncode == 0, run.stderr
        finished = client.exec_create(name, ["sh", "-c", "echo done; exit 3"])["Id"]
        assert client.exec_start(finished) == b"done\n"
        pending = client.exec_create(name, ["sh", "-c", "echo later"])["Id"]
        client.close()  # no keep-alive connection holds the service

        instance.wait_for("STOPPING=1")
        instance.wait_service_gone()

        client = docker_py.APIClient(base_url=instance.url, version="auto", timeout=120)
        record = client.exec_inspect(finished)  # asked of a new service
        assert (record["ExitCode"], record["Running"]) == (3, False)
        assert client.exec_start(pending) == b"later\n"  # created by the previous service
        client.close()

        instance.wait_for("STOPPING=1")
        instance.wait_service_gone()
        client = docker_py.APIClient(base_url=instance.url, version="auto", timeout=120)
        assert client.exec_inspect(pending)["ExitCode"] == 0
    finally:
        client.close()
        instance.stop()
    assert "Traceback" not in instance.log()
