"""The process runner with real short-lived processes (not podman): timeouts, cancellation,
missing binaries. Each case checks the child is reaped, not merely abandoned."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dockershim.errors import DockerError
from dockershim.podman import PodmanRunner


def _exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


async def test_run_captures_output_and_status() -> None:
    runner = PodmanRunner("/bin/sh")
    result = await runner.run(["-c", "echo out; echo err >&2; exit 0"])
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"
    assert result.returncode == 0


async def test_nonzero_exit_raises_classified_error() -> None:
    runner = PodmanRunner("/bin/sh")
    with pytest.raises(DockerError) as info:
        await runner.run(["-c", "echo 'Error: nosuch: image not known' >&2; exit 125"])
    assert info.value.status == 404
    assert info.value.message == "No such image: nosuch"


async def test_check_false_returns_failure() -> None:
    result = await PodmanRunner("/bin/sh").run(["-c", "exit 7"], check=False)
    assert result.returncode == 7


async def test_stdin_is_passed() -> None:
    result = await PodmanRunner("/bin/cat").run([], stdin=b"abc")
    assert result.stdout == b"abc"


async def test_timeout_kills_and_reaps(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    runner = PodmanRunner("/bin/sh", default_timeout=0.5)
    with pytest.raises(DockerError, match=r"did not answer within 0\.5s"):
        await runner.run(["-c", f"echo $$ > {pidfile}; exec sleep 30"])
    pid = int(pidfile.read_text())
    assert not _exists(pid), "timed-out child still exists (not killed or not reaped)"


async def test_term_ignoring_child_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    runner = PodmanRunner("/bin/sh", default_timeout=0.3)
    with pytest.raises(DockerError):
        await runner.run(["-c", f"trap '' TERM; echo $$ > {pidfile}; while :; do sleep 0.1; done"])
    assert not _exists(int(pidfile.read_text()))


async def test_cancellation_kills_and_reaps(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    runner = PodmanRunner("/bin/sh")
    task = asyncio.create_task(runner.run(["-c", f"echo $$ > {pidfile}; exec sleep 30"]))
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _exists(int(pidfile.read_text()))


async def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(
        DockerError, match="podman is not available: '/nonexistent/podman' was not found"
    ):
        await PodmanRunner("/nonexistent/podman").run(["version"])


async def test_spawn_close_reaps(tmp_path: Path) -> None:
    child = await PodmanRunner("/bin/sleep").spawn(["30"])
    pid = child.pid
    await child.close()
    assert not _exists(pid)


async def test_spawn_pty_gives_a_terminal() -> None:
    child = await PodmanRunner("/bin/sh").spawn(
        ["-c", "test -t 0 && test -t 1 && echo tty"], use_pty=True
    )
    assert child.master_fd is not None
    data = b""
    fd = child.master_fd
    for _ in range(100):
        try:
            data += os.read(fd, 1024)
        except BlockingIOError:
            await asyncio.sleep(0.02)
        except OSError:
            break
        if b"tty" in data:
            break
    assert b"tty" in data
    await child.close()


async def test_closing_a_child_as_it_exits_keeps_its_real_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Popen.terminate() would poll() and reap a child that has just exited behind asyncio's
    # child watcher, which then reports 255 ("Unknown child process"): an attach or exec
    # closed as its podman child ends must still see podman's own exit status.
    runner = PodmanRunner("/bin/sh")
    seen = set()
    for attempt in range(200):
        child = await runner.spawn(["-c", "exit 7"])
        await asyncio.sleep((attempt % 10) / 5000)
        await child.close()
        seen.add(child.process.returncode)
    assert seen <= {7, -15}, seen  # exited on its own, or terminated by the close
    assert "Unknown child process" not in caplog.text


def test_children_die_with_the_service(tmp_path: Path) -> None:
    """A podman child gets SIGTERM when the service dies, however it dies (parent-death
    signal, set by setpriv where it can, else in the forked child)."""
    script = (
        "import asyncio, sys\n"
        "from dockershim.podman.runner import PodmanRunner\n"
        "async def main():\n"
        "    child = await PodmanRunner('/bin/sleep').spawn(['60'])\n"
        "    print(child.pid, flush=True)\n"
        "    await asyncio.sleep(60)\n"
        "asyncio.run(main())\n"
    )
    service = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert service.stdout is not None
    pid = int(service.stdout.readline())
    deadline = time.monotonic() + 10
    while not _cmdline(pid).startswith(b"/bin/sleep") and time.monotonic() < deadline:
        time.sleep(0.01)  # setpriv sets the signal, then execs the program
    assert _running(pid)
    service.kill()
    service.wait()
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(pid)


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    """Exists and is no zombie (an orphan waits for whoever adopts it to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def test_finish_lets_the_child_end_on_its_own(tmp_path: Path) -> None:
    """A reader that stops early must not signal a child holding a mount (podman cp,
    export): the rest of its output is read and dropped, and it exits as it would."""
    done = tmp_path / "done"
    script = f"head -c 4000000 /dev/zero; echo noise >&2; touch {done}; exit 3"
    child = await PodmanRunner("/bin/sh").spawn(["-c", script])
    assert child.process.stdout is not None
    assert await child.process.stdout.read(10)
    await asyncio.shield(child.finish_soon())
    assert child.process.returncode == 3  # its own exit, not a signal's
    assert done.exists()
    assert child.finish_soon() is child.finish_soon()  # one drain however many ask


async def test_finish_kills_a_child_that_never_ends(tmp_path: Path) -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", "sleep 30"])
    await child.finish(timeout=0.2)
    assert child.process.returncode is not None and child.process.returncode < 0
    assert not _exists(child.pid)
