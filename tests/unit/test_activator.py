"""The activator's loop with a stand-in service (no podman, no uvicorn): the socket arrives on
fd 3 with LISTEN_FDS/LISTEN_PID for the service's own pid, the activator itself never accepts,
it re-arms after each exit, backs off a failing service, and cleans up on SIGTERM. Also: the
resident process imports nothing heavy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from dockershim.server.activator import _LEAN_BOOT
from dockershim.server.listener import bind_unix_socket

REPO = Path(__file__).resolve().parent.parent.parent

# The stand-in service: accept one connection on fd 3, answer with what it was given, exit.
SERVICE = """
import os, socket, sys, time
time.sleep(float(os.environ.get("DELAY", "0")))
sock = socket.socket(fileno=3)
conn, _ = sock.accept()
conn.sendall(f"{os.environ['LISTEN_PID'] == str(os.getpid())} {os.environ['LISTEN_FDS']} "
             f"{sock.getsockname()}".encode())
conn.close()
sys.exit(int(os.environ.get("EXIT_CODE", "0")))
"""


def _start(
    tmp_path: Path, exit_code: int = 0, delay: float = 0
) -> tuple[subprocess.Popen[str], str]:
    path = str(tmp_path / "a.sock")
    sock = bind_unix_socket(path)
    inode = os.stat(path).st_ino
    argv = [sys.executable, "-S", "-c", _LEAN_BOOT, str(REPO), str(sock.fileno()), path]
    argv += [str(inode), sys.executable, "-c", SERVICE]
    proc = subprocess.Popen(
        argv,
        pass_fds=[sock.fileno()],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "EXIT_CODE": str(exit_code), "DELAY": str(delay)},
    )
    sock.close()
    return proc, path


def _ask(path: str) -> str:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(30)
    client.connect(path)
    data = client.recv(4096).decode()
    client.close()
    return data


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return err


def test_hands_socket_over_and_rearms(tmp_path: Path) -> None:
    proc, path = _start(tmp_path)
    try:
        for _ in range(3):  # each answer comes from a fresh service; the socket stays
            assert _ask(path) == f"True 1 {path}"
    finally:
        _stop(proc)
    assert not os.path.exists(path)  # removed on SIGTERM: it was ours


def test_failing_service_is_backed_off(tmp_path: Path) -> None:
    proc, path = _start(tmp_path, exit_code=3)
    try:
        assert _ask(path).startswith("True")
        assert _ask(path).startswith("True")  # restarted after the back-off
    finally:
        err = _stop(proc)
    assert "service exited with 3; next start in 0.5s" in err


def test_never_accepts_itself(tmp_path: Path) -> None:
    proc, path = _start(tmp_path, delay=1.0)  # the service takes a second to accept
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(30)
    try:
        client.connect(path)
        time.sleep(0.5)
        links = [
            os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")
        ]
        assert len([link for link in links if link.startswith("socket:")]) == 1  # listener only
        assert client.recv(4096).decode() == f"True 1 {path}"  # the service accepted it
    finally:
        client.close()
        _stop(proc)


def test_resident_imports_stay_minimal() -> None:
    probe = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); "
        "import dockershim.server.activation_loop; print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    for heavy in ("fastapi", "uvicorn", "pydantic", "asyncio", "socket", "typing", "argparse"):
        assert heavy not in out, heavy
