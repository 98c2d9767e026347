"""Throughput of hijacked and streamed output: dockershim next to podman's own compat service.

Measures, with the real docker CLI, for each engine:
  stdin  - N MB through `docker run --rm -i busybox cat` (client -> stdin -> stdout -> client)
  logs   - N MB of a finished container's output through `docker logs`
and prints MB/s. A benchmark, not a test: numbers vary with the machine and its load.

Run as root (it runs as the unprivileged test user that owns the podman storage):
  scripts/bench.sh throughput.py --mb 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

DOCKER = shutil.which("docker", path="/usr/local/bin") or "docker"
CHUNK = 1 << 20


def wait_for_socket(path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            return
        except OSError:
            time.sleep(0.1)
        finally:
            probe.close()
    raise TimeoutError(f"nothing listens on {path}")


def start_shim(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    path = str(workdir / "shim.sock")
    argv = [sys.executable, "-m", "dockershim", "serve", "--socket", path]
    proc = subprocess.Popen(
        [*argv, "--idle-timeout", "0", "--log-level", "warning"],
        cwd=str(workdir),
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    wait_for_socket(path)
    return proc, path


def start_podman_service(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    path = str(workdir / "podman.sock")
    proc = subprocess.Popen(["podman", "system", "service", "--time", "0", f"unix://{path}"])
    wait_for_socket(path)
    return proc, path


def docker_env(sock: str, workdir: Path) -> dict[str, str]:
    config = workdir / f"cfg-{uuid.uuid4().hex[:6]}"
    config.mkdir()
    return {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_CONFIG": str(config)}


def count_stdout(argv: list[str], env: dict[str, str]) -> int:
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    total = 0
    while chunk := proc.stdout.read(CHUNK):
        total += len(chunk)
    if proc.wait() != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}")
    return total


def bench_stdin(env: dict[str, str], mb: int) -> float:
    block = bytes(range(256)) * (CHUNK // 256)
    argv = [DOCKER, "run", "--rm", "-i", "busybox", "cat"]
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        for _ in range(mb):
            proc.stdin.write(block)
        proc.stdin.close()

    started = time.monotonic()
    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    total = 0
    while chunk := proc.stdout.read(CHUNK):
        total += len(chunk)
    proc.wait()
    seconds = time.monotonic() - started
    if total != mb * CHUNK:
        raise RuntimeError(f"stdin round trip returned {total} bytes, expected {mb * CHUNK}")
    return seconds


def bench_logs(env: dict[str, str], mb: int) -> float:
    name = f"bench-logs-{uuid.uuid4().hex[:8]}"
    line = "0123456789abcdef" * 4
    script = f"yes {line[:-1]} | head -c {mb * CHUNK}"
    subprocess.run([DOCKER, "run", "--name", name, "busybox", "sh", "-c", script], env=env,
                   stdout=subprocess.DEVNULL, check=True)  # fmt: skip
    try:
        started = time.monotonic()
        total = count_stdout([DOCKER, "logs", name], env)
        seconds = time.monotonic() - started
        if total != mb * CHUNK:
            raise RuntimeError(f"logs returned {total} bytes, expected {mb * CHUNK}")
        return seconds
    finally:
        subprocess.run(["podman", "rm", "-f", name], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="megabytes per measurement")
    parser.add_argument("--runs", type=int, default=1, help="repetitions (best is printed)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        shim, shim_sock = start_shim(workdir)
        procs.append(shim)
        service, podman_sock = start_podman_service(workdir)
        procs.append(service)
        engines = {"dockershim": shim_sock, "podman service": podman_sock}
        print(f"{args.mb} MB each, best of {args.runs}; docker CLI {DOCKER}")
        print(f"{'engine':<16}{'run -i cat (stdin->stdout)':>30}{'docker logs':>16}")
        for label, sock in engines.items():
            env = docker_env(sock, workdir)
            stdin_s = min(bench_stdin(env, args.mb) for _ in range(args.runs))
            logs_s = min(bench_logs(env, args.mb) for _ in range(args.runs))
            print(
                f"{label:<16}{args.mb / stdin_s:>20.1f} MB/s ({stdin_s:5.2f}s)"
                f"{args.mb / logs_s:>8.1f} MB/s ({logs_s:5.2f}s)"
            )
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
