"""Helpers for the lifecycle tests: an activated dockershim (our activator, or systemd's
`systemd-socket-activate`) whose READY=1/STOPPING=1 we hear on a private NOTIFY_SOCKET, and a
raw HTTP client that tells refused and reset connections apart from answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DOCKER, REPO, wait_for_socket

SOCKET_ACTIVATE = shutil.which("systemd-socket-activate") or "/usr/bin/systemd-socket-activate"


class Activated:
    """dockershim behind an activator; `mode` is "activator" or "systemd"."""

    def __init__(self, workdir: Path, mode: str, idle_timeout: float) -> None:
        self.workdir = workdir
        self.mode = mode
        self.idle_timeout = idle_timeout
        self.socket = str(workdir / "docker.sock")
        self.notify_path = str(workdir / "notify")
        self.log_path = workdir / "activated.log"
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def argv(self) -> list[str]:
        idle = f"{self.idle_timeout:g}"
        if self.mode == "activator":
            return [sys.executable, "-m", "dockershim", "activate", "--socket", self.socket]
        serve = [sys.executable, "-m", "dockershim", "serve", "--idle-timeout", idle]
        passed = ["-E", f"NOTIFY_SOCKET={self.notify_path}", "-E", f"PYTHONPATH={REPO}"]
        for name in ("XDG_RUNTIME_DIR", "HOME", "USER", "PATH"):
            if name in os.environ:
                passed += ["-E", f"{name}={os.environ[name]}"]
        return [SOCKET_ACTIVATE, "-l", self.socket, *passed, *serve, "--log-level", "warning"]

    def start(self) -> Activated:
        argv = self.argv()
        if self.mode == "activator":
            argv += ["--idle-timeout", f"{self.idle_timeout:g}", "--log-level", "warning"]
        env = {**os.environ, "PYTHONPATH": str(REPO), "NOTIFY_SOCKET": self.notify_path}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_for_path(self.socket)
        return self

    def service_pids(self) -> list[int]:
        """The running API service processes (none while idle)."""
        assert self.proc is not None
        if self.mode == "systemd":  # it execs the service in its own place: alive = running
            return [self.proc.pid] if self.proc.poll() is None else []
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def next_notification(self, timeout: float = 60.0) -> str:
        self.notify.settimeout(timeout)
        return self.notify.recv(4096).decode()

    def wait_for(self, state: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self.next_notification(left) == state:
                return
        raise TimeoutError(state)

    def drain_notifications(self) -> list[str]:
        seen = []
        self.notify.setblocking(False)
        try:
            while True:
                seen.append(self.notify.recv(4096).decode())
        except BlockingIOError:
            return seen
        finally:
            self.notify.setblocking(True)

    def wait_service_gone(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.service_pids():
            if time.monotonic() > deadline:
                raise TimeoutError(f"service still running: {self.service_pids()}")
            time.sleep(0.05)
        if self.mode == "systemd" and self.proc is not None:
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.notify.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_for_path(path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)


def http_get(path: str, target: str = "/_ping", timeout: float = 60.0) -> str:
    """One request on a fresh connection; "200" or the failure ("refused", "reset", ...)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    except OSError as exc:
        return f"error: {exc}"
    finally:
        sock.close()
    if not data:
        return "closed without answer"
    return data.split(b" ", 2)[1].decode()


IDLE = 1.0


@pytest.fixture(params=["activator", "systemd"])
def activated(request: pytest.FixtureRequest) -> Iterator[Activated]:
    """dockershim with a 1 s idle timeout behind each kind of activation."""
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-act-"))
    instance = Activated(workdir, request.param, IDLE).start()
    yield instance
    instance.stop()
    log = instance.log()
    assert "Traceback" not in log, log


def docker_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "DOCKER_HOST": url, "DOCKER_CONFIG": config}
        return subprocess.run(
            [DOCKER, *args], capture_output=True, text=True, timeout=120, env=env, check=False
        )


__all__ = ["Activated", "activated", "docker_cli", "http_get", "wait_for_socket"]
