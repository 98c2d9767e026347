"""Client secrets (container Env, exec Env, build arguments) never appear in any process's
command line (/proc/*/cmdline, readable by every local user) nor in the debug log."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DOCKER, Cleanup, Shim


class CmdlineWatch:
    """Reads every process's command line over and over until stopped."""

    def __init__(self, needle: str) -> None:
        self.needle = needle.encode()
        self.seen: list[str] = []
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        line = handle.read()
                except OSError:
                    continue
                if self.needle in line:
                    self.seen.append(line.replace(b"\0", b" ").decode(errors="replace"))
            self.rounds += 1

    def __enter__(self) -> CmdlineWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def debug_shim(request: pytest.FixtureRequest) -> Iterator[Shim]:
    """A shim logging at debug level: creates through podman's service child (the body on its
    socket), or with `--no-podman-service` as `podman create` processes (`--env-file`)."""
    instance = Shim(Path(tempfile.mkdtemp(prefix="dockershim-secrets-")))
    instance.extra = ["--idle-timeout", "0", "--log-level", "debug"]
    if getattr(request, "param", "child") == "cli":
        instance.extra.append("--no-podman-service")
    instance.start()
    yield instance
    instance.stop()


def _docker(shim: Shim, *args: str, **secrets: str) -> subprocess.CompletedProcess[str]:
    """The docker CLI, taking the secrets from its environment (`-e NAME`, `--build-arg NAME`)
    so that its own command line does not carry them."""
    env = {**os.environ, **secrets, "DOCKER_HOST": shim.url, "DOCKER_BUILDKIT": "0"}
    env["DOCKER_CONFIG"] = tempfile.mkdtemp(prefix="docker-config-")
    result = subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


def _secret() -> str:
    return f"s3cr3t-{uuid.uuid4().hex}"


@pytest.mark.parametrize("debug_shim", ["child", "cli"], indirect=True)
def test_run_and_exec_env(debug_shim: Shim, cleanup: Cleanup) -> None:
    secret, exec_secret = _secret(), _secret()
    name = cleanup.container()
    with CmdlineWatch(secret) as watch:
        _docker(
            debug_shim,
            "run",
            "-d",
            "--name",
            name,
            "-e",
            "TOKEN",
            "busybox",
            "sleep",
            "300",
            TOKEN=secret,
        )
    with CmdlineWatch(exec_secret) as exec_watch:
        out = _docker(
            debug_shim,
            "exec",
            "-e",
            "EXEC_TOKEN",
            name,
            "sh",
            "-c",
            "echo $TOKEN $EXEC_TOKEN; sleep 1",
            EXEC_TOKEN=exec_secret,
        ).stdout
    assert out.split() == [secret, exec_secret]
    assert watch.rounds > 0 and watch.seen == []
    assert exec_watch.rounds > 0 and exec_watch.seen == []
    env = json.loads(_docker(debug_shim, "inspect", name).stdout)[0]["Config"]["Env"]
    assert f"TOKEN={secret}" in env
    assert secret not in debug_shim.log() and exec_secret not in debug_shim.log()
    # the debug log does show podman's argv, or each request to the service child
    if "--no-podman-service" in debug_shim.extra:
        assert "--env-file" in debug_shim.log()
    else:
        assert "podman service: POST /containers/create -> 201" in debug_shim.log()


def test_build_args(debug_shim: Shim, cleanup: Cleanup, tmp_path: Path) -> None:
    secret = _secret()
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox\nARG NPM_TOKEN\nRUN echo "token=$NPM_TOKEN"; sleep 1\n'
    )
    tag = cleanup.name("dth-secret")
    cleanup.images.append(tag)
    with CmdlineWatch(secret) as watch:
        out = _docker(
            debug_shim,
            "build",
            "--build-arg",
            "NPM_TOKEN",
            "-t",
            tag,
            str(tmp_path),
            NPM_TOKEN=secret,
        ).stdout
    assert f"token={secret}" in out
    assert watch.rounds > 0 and watch.seen == []
    assert secret not in debug_shim.log()
