"""Attach and exec through the real docker CLI against rootless podman (issue 4's proof)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time

from tests.conftest import DOCKER, Cleanup, DockerRun, podman
from tests.integration.ptyclient import PtyClient


def podman_children(fragment: str) -> list[str]:
    """Command lines of this user's podman processes that mention `fragment`."""
    out = subprocess.run(
        ["ps", "-ww", "-u", str(os.getuid()), "-o", "args="], capture_output=True, text=True
    )
    lines = out.stdout.splitlines()
    return [ln for ln in lines if ln.split(" ", 1)[0].endswith("podman") and fragment in ln]


def eventually(check, what: str, attempts: int = 100, pause: float = 0.2):  # type: ignore[no-untyped-def]
    for _ in range(attempts):
        value = check()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"never happened: {what}")


def running(docker: DockerRun, cleanup: Cleanup, *args: str) -> str:
    name = cleanup.container()
    docker("run", "-d", "--name", name, *args)
    return name


def test_run_streams_and_exit_code(docker: DockerRun) -> None:
    result = docker(
        "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3", check=False
    )
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"


def test_run_without_rm_reads_conmons_socket_and_loses_nothing(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    """With no terminal, input or --rm, a run's output comes from conmon's attach socket
    (no `podman start --attach` process): streams apart, the exit code, 20 MB to a reader
    slower than the container, a start that fails."""
    docker("create", "--name", cleanup.container(), "busybox", "true")  # podman's service up
    name = cleanup.container()
    run = subprocess.Popen(
        [DOCKER, "run", "--name", name, "busybox", "sh", "-c", "sleep 2; echo out; echo err >&2"],
        env=docker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    eventually(lambda: docker("ps", "-q", "--filter", f"name={name}").stdout.strip(), "started")
    assert podman_children("start --attach") == []
    out, err = run.communicate(timeout=60)
    assert (run.returncode, out, err) == (0, b"out\n", b"err\n")

    result = docker(
        "run", "--name", cleanup.container(), "busybox", "sh", "-c", "exit 3", check=False
    )
    assert result.returncode == 3

    script = "head -c 20000000 /dev/urandom > /tmp/x; md5sum < /tmp/x >&2; cat /tmp/x"
    slow = subprocess.Popen(
        [DOCKER, "run", "--name", cleanup.container(), "busybox", "sh", "-c", script],
        env=docker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert slow.stdout is not None and slow.stderr is not None
    time.sleep(3)  # the container has written everything by now; the client reads only now
    data = slow.stdout.read()
    assert slow.wait(60) == 0
    assert hashlib.md5(data).hexdigest() == slow.stderr.read().decode().split()[0]
    assert len(data) == 20_000_000

    missing = docker("run", "--name", cleanup.container(), "busybox", "nosuchcmd", check=False)
    assert missing.returncode == 127
    assert "executable file not found" in missing.stderr


def test_run_twenty_in_a_row(docker: DockerRun) -> None:
    outputs = [docker("run", "--rm", "busybox", "echo", "fast").stdout for _ in range(20)]
    assert outputs == ["fast\n"] * 20


def test_run_interactive_stdin(docker: DockerRun) -> None:
    result = docker("run", "--rm", "-i", "busybox", "cat", input="hi\n")
    assert result.stdout == "hi\n"


def test_run_large_stdin_round_trip(docker: DockerRun) -> None:
    payload = "".join(f"line {i:06d}\n" for i in range(100_000))  # 1.2 MB
    result = docker("run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo end >&2", input=payload)
    assert result.stdout == payload
    assert result.stderr == "end\n"


def test_run_missing_command_exits_127(docker: DockerRun) -> None:
    result = docker("run", "--rm", "busybox", "nosuchcmd", check=False)
    assert result.returncode == 127
    assert "executable file not found" in result.stderr


def test_run_it_through_a_terminal(docker_env: dict[str, str], cleanup: Cleanup) -> None:
    name = cleanup.container()
    term = PtyClient(
        [DOCKER, "run", "--rm", "-it", "--name", name, "busybox", "sh"], docker_env, 30, 100
    )
    try:
        term.send(b"echo hel''lo\r")
        term.expect(b"hello\r\n")
        term.send(b"stty size\r")
        term.expect(b"30 100\r\n")
        _resize_and_see(term, 40, 120)
        term.send(b"exit 7\r")
        assert term.wait() == 7
    finally:
        term.close()


def _resize_and_see(term: PtyClient, rows: int, cols: int) -> None:
    """Resize the window until `stty size` in the container reports it.

    The CLI installs its SIGWINCH handler only after its start/exec-start request returned, so
    a resize in that first instant is not seen by it (dockerd has the same window): when the
    size does not show up, wiggle the window again (the kernel signals only real changes).
    """
    size = f"{rows} {cols}\r\n".encode()
    seen = b""
    for attempt in range(10):
        if attempt:
            term.resize(rows, cols - 1)
        term.resize(rows, cols)
        term.send(b"stty size\r")
        try:
            term.expect(size, timeout=3)
            return
        except AssertionError:
            seen += term.output
            term.output = b""
    raise AssertionError(f"the terminal never reported {size!r}; saw {seen!r}")


def test_exec_it_through_a_terminal(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    name = running(docker, cleanup, "busybox", "sleep", "600")
    term = PtyClient([DOCKER, "exec", "-it", name, "sh"], docker_env, 30, 100)
    try:
        term.send(b"echo in''side\r")
        term.expect(b"inside\r\n")
        term.send(b"stty size\r")
        term.expect(b"30 100\r\n")
        _resize_and_see(term, 41, 121)
        term.send(b"exit 9\r")
        assert term.wait() == 9
    finally:
        term.close()
    assert docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"


def test_exec_exit_code_and_options(docker: DockerRun, cleanup: Cleanup) -> None:
    name = running(docker, cleanup, "busybox", "sleep", "600")
    assert docker("exec", name, "sh", "-c", "exit 42", check=False).returncode == 42
    out = docker(
        "exec", "-u", "1000", "-w", "/tmp", "-e", "A=b", name, "sh", "-c", "id -u; pwd; echo $A"
    )
    assert out.stdout == "1000\n/tmp\nb\n"
    assert docker("exec", "-i", name, "cat", input="piped\n").stdout == "piped\n"
    missing = docker("exec", name, "nosuchcmd", check=False)
    assert missing.returncode == 127
    assert "executable file not found" in missing.stderr
    assert docker("exec", name, "/etc/passwd", check=False).returncode == 126


def test_exec_detached(docker: DockerRun, cleanup: Cleanup) -> None:
    name = running(docker, cleanup, "busybox", "sleep", "600")
    result = docker("exec", "-d", name, "sh", "-c", "sleep 1; echo done > /tmp/marker")
    assert result.stdout == ""
    eventually(
        lambda: docker("exec", name, "cat", "/tmp/marker", check=False).stdout == "done\n",
        "the detached exec wrote its marker",
    )


def test_exec_in_stopped_container_is_refused(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("create", "--name", name, "busybox", "true")
    result = docker("exec", name, "true", check=False)
    assert result.returncode != 0
    assert "is not running" in result.stderr


def test_attach_and_detach_keeps_the_container_running(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    name = running(docker, cleanup, "-it", "busybox", "sh")
    term = PtyClient([DOCKER, "attach", name], docker_env)
    try:
        term.send(b"echo att''ached\r")
        term.expect(b"attached\r\n")
        term.send(b"\x10\x11")  # ctrl-p ctrl-q
        term.wait()
    finally:
        term.close()
    assert docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"
    cid = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
    eventually(
        lambda: not podman_children(f"attach --sig-proxy=false --detach-keys= -- {cid}"),
        "attach child gone",
    )
    # attach again and end the shell: the container exits with its code
    term = PtyClient([DOCKER, "attach", name], docker_env)
    try:
        term.send(b"echo ag''ain\r")
        term.expect(b"again\r\n")
        term.send(b"exit 4\r")
        assert term.wait() == 4
    finally:
        term.close()


def test_start_attached(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("create", "--name", name, "busybox", "sh", "-c", "echo started; exit 6")
    for _ in range(2):  # a created, then an exited container
        result = docker("start", "-a", name, check=False)
        assert (result.returncode, result.stdout) == (6, "started\n")
    interactive = cleanup.container()
    docker("create", "-i", "--name", interactive, "busybox", "cat")
    assert docker("start", "-ai", interactive, input="through start\n").stdout == "through start\n"


def test_attach_to_missing_container(docker: DockerRun) -> None:
    result = docker("attach", "no-such-container-xyz", check=False)
    assert result.returncode != 0
    assert "No such container" in result.stderr


def test_client_killed_reaps_the_podman_child(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    name = running(docker, cleanup, "busybox", "sh", "-c", "while :; do echo tick; sleep 1; done")
    cid = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
    client = subprocess.Popen(
        [DOCKER, "attach", name], env=docker_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline() == b"tick\n"
        assert podman_children(cid)
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()
    eventually(lambda: not podman_children(cid), "the podman attach child was reaped")
    assert docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"
    podman("rm", "-f", "-t", "0", name)


def test_run_interactive_client_killed_ends_the_containers_input(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    """`docker run -i` (StdinOnce): when the client vanishes its input ends, as with dockerd."""
    name = cleanup.container()
    client = subprocess.Popen(
        [DOCKER, "run", "-i", "--name", name, "busybox", "sh", "-c", "cat; echo eof >&2; exit 5"],
        env=docker_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write(b"line\n")
        client.stdin.flush()
        assert client.stdout.readline() == b"line\n"
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()
    state = eventually(
        lambda: (
            (
                docker(
                    "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name
                ).stdout.strip()
                or None
            )
            if "exited" in docker("inspect", "-f", "{{.State.Status}}", name).stdout
            else None
        ),
        "the container ended once its input was closed",
    )
    assert state == "exited 5"
    # podman marks the exit before its start --attach child and conmon's cleanup end
    cid = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
    eventually(lambda: not podman_children(cid), "the podman children ended")


def test_run_tty_client_killed_leaves_the_container_running(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup
) -> None:
    """`docker run -it` whose client vanishes: as with dockerd (which closes a container's
    input only without a TTY) the stream ends, the container keeps running, and the shim's
    podman child is reaped; `docker attach` gets the same shell back."""
    name = cleanup.container()
    term = PtyClient([DOCKER, "run", "-it", "--name", name, "busybox", "sh"], docker_env)
    try:
        term.send(b"echo be''fore\r")
        term.expect(b"before\r\n")
        cid = docker("inspect", "-f", "{{.Id}}", name).stdout.strip()
    finally:
        term.proc.send_signal(signal.SIGKILL)
        term.close()
    eventually(lambda: not podman_children(cid), "the podman child was reaped")
    assert docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    again = PtyClient([DOCKER, "attach", name], docker_env)
    try:
        again.send(b"echo af''ter; exit 4\r")
        again.expect(b"after\r\n")
        assert again.wait() == 4
    finally:
        again.close()
