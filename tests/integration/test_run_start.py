"""`docker run` starts a container through podman's service child and conmon's socket (with a
terminal or input: one `podman start --attach` process), and its wait watches podman's state
(with --rm, it removes the container at the exit): the answers must stay those of podman's own
CLI, also where the container's exit code looks like podman's own failure (125) or the start
fails."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import Cleanup, DockerRun, podman

SCRIPT = "echo out; echo err >&2; exit {}"


@pytest.mark.parametrize("code", [0, 3, 125])
def test_run_rm_exit_code_and_output_as_podman_run(docker: DockerRun, code: int) -> None:
    ours = docker("run", "--rm", "busybox", "sh", "-c", SCRIPT.format(code), check=False)
    theirs = podman("run", "--rm", "busybox", "sh", "-c", SCRIPT.format(code), check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (code, "out\n", "err\n")
    assert (theirs.returncode, theirs.stdout) == (code, "out\n")


def test_start_attached_again_after_an_exit(docker: DockerRun, cleanup: Cleanup) -> None:
    """The stored state still says "exited" from the first run when the second starts: the
    start request must wait for the new start, not take the old exit for it."""
    name = cleanup.container()
    first = docker("run", "--name", name, "busybox", "sh", "-c", "echo one; exit 3", check=False)
    assert (first.returncode, first.stdout) == (3, "one\n")
    again = docker("start", "-a", name, check=False)
    assert (again.returncode, again.stdout) == (3, "one\n")
    state = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name).stdout
    assert state.split() == ["exited", "3"]
    assert docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip() == "3"


def test_failed_start_leaves_podmans_state(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    result = docker("run", "--name", name, "busybox", "nosuchcmd", check=False)
    assert result.returncode == 127
    assert "executable file not found" in result.stderr
    assert not re.search(r"unable to start container [0-9a-f]{64}", result.stderr)  # podman's
    theirs = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name).stdout
    ours = docker("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name).stdout
    assert theirs.split()[1] == ours.split()[1]
    assert ours.split()[0] == "created"


def test_failed_start_of_an_rm_run_says_why_and_leaves_nothing(
    docker: DockerRun, cleanup: Cleanup
) -> None:
    """`docker run --rm` starts through podman's service child and conmon's socket: when the
    start fails, podman's clean-up removes the container at once, and podman's own error must
    still reach the client (with the CLI's exit code for it), as dockerd's does."""
    name = cleanup.container()
    result = docker("run", "--rm", "--name", name, "busybox", "nosuchcmd", check=False)
    assert result.returncode == 127
    assert "executable file not found" in result.stderr
    assert "does not exist" not in result.stderr and "no such container" not in result.stderr
    deadline = time.monotonic() + 10
    while podman("container", "exists", name, check=False).returncode == 0:
        assert time.monotonic() < deadline, "the --rm container stayed"
        time.sleep(0.1)


def test_an_rm_run_is_gone_with_its_anonymous_volume_when_docker_returns(
    docker: DockerRun, cleanup: Cleanup
) -> None:
    """The wait of `docker run --rm` removes the container as soon as it sees the exit (as
    dockerd does, and podman's own `run --rm`), with the anonymous volume it made."""
    name = cleanup.container()
    before = set(podman("volume", "ls", "--format", "{{.Name}}").stdout.split())
    result = docker("run", "--rm", "--name", name, "-v", "/data", "busybox",
                    "sh", "-c", "echo kept > /data/x; exit 4", check=False)  # fmt: skip
    assert result.returncode == 4
    assert podman("container", "exists", name, check=False).returncode != 0
    after = set(podman("volume", "ls", "--format", "{{.Name}}").stdout.split())
    assert after - before == set()


def test_wait_after_run_d_answers_podmans_exit_code(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 4")
    assert docker("wait", name).stdout.strip() == "4"
    assert podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip() == "4"
    assert docker("wait", name).stdout.strip() == "4"  # not running: answered at once
