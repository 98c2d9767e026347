"""Proofs for events, stats, swarm/plugin answers and system df, through the docker CLI and
docker-py against real rootless podman."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.conftest import DOCKER, Cleanup, DockerRun, Shim, podman

NOT_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
    "to connect this node to swarm and try again."
)


def _shim_children(shim: Shim) -> str:
    assert shim.proc is not None
    return subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(shim.proc.pid)], capture_output=True, text=True
    ).stdout


class _Reader:
    """Lines of a long-running docker CLI command, collected by a thread."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not any(text in ln for ln in self.lines):
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def test_events_see_a_container_lifecycle_in_order(
    docker: DockerRun, docker_env: dict[str, str], shim: Shim, cleanup: Cleanup
) -> None:
    name = cleanup.container()
    other = cleanup.container()
    since = str(int(time.time()) - 1)
    reader = _Reader(
        [
            DOCKER,
            "events",
            "--since",
            since,
            "--filter",
            f"container={name}",
            "--filter",
            "type=container",
            "--format",
            "{{json .}}",
        ],
        docker_env,
    )
    try:
        # "from another shell": podman itself, and the docker CLI for a second container
        podman("run", "-d", "--name", name, "busybox", "sh", "-c", "exit 3")
        docker("run", "-d", "--name", other, "busybox", "true")
        podman("wait", name)
        podman("rm", name)
        reader.wait_for('"destroy"')
    finally:
        reader.stop()
    events = [json.loads(line) for line in reader.lines if line.startswith("{")]
    assert [e["Action"] for e in events] == ["create", "start", "die", "destroy"]
    assert {e["Actor"]["Attributes"]["name"] for e in events} == {name}
    die = events[2]
    assert die["Actor"]["Attributes"]["exitCode"] == "3"
    assert die["Actor"]["Attributes"]["image"] == "busybox:latest"
    assert die["Type"] == "container" and die["scope"] == "local"
    assert die["timeNano"] // 1_000_000_000 == die["time"]
    # The client left: its `podman events` child was killed and reaped.
    deadline = time.monotonic() + 20
    while "podman events" in _shim_children(shim) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "podman events" not in _shim_children(shim)

    # `until` in the past: the history, and the command ends by itself.
    until = str(int(time.time()) + 1)
    time.sleep(1.2)
    history = docker(
        "events", "--since", since, "--until", until, "--filter", f"container={other}",
        "--format", "{{.Action}}", timeout=60,
    ).stdout.split()  # fmt: skip
    assert history[:2] == ["create", "start"] and "die" in history


def test_a_live_stream_lives_through_a_rotation_of_podmans_event_log(
    docker: DockerRun, docker_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    # podman halves its event log file when it reaches events_logfile_max_size (1 MB: a few
    # thousand events); a podman told a tiny maximum rotates it at its next event
    rotated, after = cleanup.name("dsrot"), cleanup.name("dsrot")
    cleanup.volumes += [rotated, after]
    user_conf = Path.home() / ".config/containers/containers.conf"
    conf = tmp_path / "containers.conf"
    conf.write_text(
        user_conf.read_text().replace("[engine]", "[engine]\nevents_logfile_max_size = 1", 1)
    )
    reader = _Reader(
        [DOCKER, "events", "--filter", "type=volume", "--format", "{{.Action}} {{.Actor.ID}}"],
        docker_env,
    )
    try:
        time.sleep(1.5)  # the shim's podman events child is reading
        env = {**os.environ, "CONTAINERS_CONF": str(conf)}
        made = subprocess.run(
            ["podman", "volume", "create", rotated], capture_output=True, text=True, env=env
        )
        assert made.returncode == 0, made.stderr
        events_log = subprocess.run(
            ["podman", "info", "--format", "{{.Host.EventLogger}}"], capture_output=True, text=True
        )
        assert events_log.stdout.strip() == "file"
        docker("volume", "create", after)
        reader.wait_for(f"create {after}", timeout=30)
        assert reader.proc.poll() is None  # the stream goes on
    finally:
        reader.stop()
    ours = [line for line in reader.lines if line.split()[-1] in (rotated, after)]
    assert ours == [f"create {rotated}", f"create {after}"]


def test_docker_py_events_with_filters(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    since = int(time.time()) - 1
    dclient.containers.run("busybox", "true", name=name, labels={"probe": name})
    until = int(time.time()) + 1
    time.sleep(1.2)
    events = list(
        dclient.events(
            since=since,
            until=until,
            decode=True,
            filters={"label": [f"probe={name}"], "event": ["start", "die"]},
        )
    )
    assert [e["Action"] for e in events] == ["start", "die"]
    assert events[1]["Actor"]["Attributes"]["exitCode"] == "0"


def test_stats_no_stream_shows_a_row(docker: DockerRun, dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sh", "-c", "while :; do :; done")
    row = json.loads(docker("stats", "--no-stream", "--format", "{{json .}}", name).stdout)
    assert row["Name"] == name
    assert row["CPUPerc"].endswith("%") and float(row["CPUPerc"].rstrip("%")) > 0
    used, _, limit = row["MemUsage"].partition(" / ")
    assert used not in ("", "0B", "--") and limit not in ("", "0B", "--")
    assert row["PIDs"] == "1"
    assert " / " in row["NetIO"] and " / " in row["BlockIO"]

    stats = dclient.containers.get(name).stats(stream=False)
    assert stats["cpu_stats"]["cpu_usage"]["total_usage"] > 0
    assert stats["precpu_stats"]["system_cpu_usage"] > 0
    assert stats["memory_stats"]["usage"] > 0
    one = dclient.api.stats(name, stream=False, one_shot=True)
    assert one["preread"] == "0001-01-01T00:00:00Z"
    stream = dclient.api.stats(name, stream=True, decode=True)
    first, second = next(stream), next(stream)
    assert second["precpu_stats"]["cpu_usage"] == first["cpu_stats"]["cpu_usage"]


def test_stats_of_a_stopped_container(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("create", "--name", name, "busybox")
    row = json.loads(docker("stats", "--no-stream", "--format", "{{json .}}", name).stdout)
    assert row["CPUPerc"] == "0.00%" and row["PIDs"] == "0"


def test_swarm_and_plugin_commands(docker: DockerRun) -> None:
    for args in (("node", "ls"), ("service", "ls"), ("secret", "ls"), ("config", "ls")):
        result = docker(*args, check=False)
        assert result.returncode == 1
        assert NOT_MANAGER in result.stderr, args
    leave = docker("swarm", "leave", check=False)
    assert "This node is not part of a swarm" in leave.stderr
    assert docker("plugin", "ls").stdout.split()[:3] == ["ID", "NAME", "DESCRIPTION"]
    inspect = docker("plugin", "inspect", "nosuch", check=False)
    assert inspect.returncode == 1 and "not found" in inspect.stderr


def test_system_df(docker: DockerRun, dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    volume = cleanup.name("dfvol")
    cleanup.volumes.append(volume)
    name = cleanup.container()
    docker("volume", "create", volume)
    docker("run", "--name", name, "-v", f"{volume}:/data", "busybox",
           "sh", "-c", "head -c 5000 /dev/zero > /data/blob")  # fmt: skip
    rows = [
        json.loads(ln)
        for ln in docker("system", "df", "--format", "{{json .}}").stdout.split("\n")
        if ln
    ]
    assert [r["Type"] for r in rows] == ["Images", "Containers", "Local Volumes", "Build Cache"]
    assert int(rows[0]["TotalCount"]) >= 1 and int(rows[1]["TotalCount"]) >= 1
    verbose = docker("system", "df", "-v").stdout
    assert volume in verbose and "busybox" in verbose
    df = dclient.df()
    assert df["LayersSize"] > 0
    (mine,) = [v for v in df["Volumes"] if v["Name"] == volume]
    assert mine["UsageData"] == {"Size": 5000, "RefCount": 1}
    (ctr,) = [c for c in df["Containers"] if c["Names"] == [f"/{name}"]]
    assert ctr["SizeRw"] >= 0 and ctr["State"] == "exited"
