"""Attach and exec through docker-py and raw sockets against rootless podman (issue 4)."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from typing import Any

import pytest

from dockershim.streams.framing import parse_frames
from tests.conftest import Cleanup, Shim, podman
from tests.integration.test_streams_cli import eventually


def running(dclient: Any, cleanup: Cleanup, *cmd: str, **kwargs: Any) -> Any:
    return dclient.containers.run(
        "busybox", list(cmd) or ["sleep", "600"], detach=True, name=cleanup.container(), **kwargs
    )


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_exec_run_demux(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    code, (out, err) = ct.exec_run(["sh", "-c", "echo o; echo e >&2; exit 5"], demux=True)
    assert (code, out, err) == (5, b"o\n", b"e\n")
    result = ct.exec_run(
        "sh -c 'echo $A $PWD; id -u'", environment={"A": "b"}, workdir="/tmp", user="1000"
    )
    assert (result.exit_code, result.output) == (0, b"b /tmp\n1000\n")
    assert ct.exec_run("sleep 1", detach=True).exit_code is None


def test_exec_stdin_over_the_socket_and_inspect(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(ct.id, ["sh", "-c", "cat; exit 3"], stdin=True)["Id"]
    before = dclient.api.exec_inspect(exec_id)
    assert (before["Running"], before["ExitCode"], before["ContainerID"]) == (False, None, ct.id)
    sock = dclient.api.exec_start(exec_id, socket=True)._sock
    sock.sendall(b"via socket\n")
    sock.shutdown(socket.SHUT_WR)  # half-close: stdin ends, output keeps coming
    assert read_all(sock) == b"\x01\x00\x00\x00\x00\x00\x00\x0bvia socket\n"
    sock.close()
    after = dclient.api.exec_inspect(exec_id)  # at once, as the CLI does
    assert (after["Running"], after["ExitCode"]) == (False, 3)
    assert after["ProcessConfig"]["entrypoint"] == "sh"
    import docker.errors

    with pytest.raises(docker.errors.APIError) as info:
        dclient.api.exec_start(exec_id)
    assert info.value.status_code == 409


def test_exec_errors(dclient: Any, cleanup: Cleanup) -> None:
    import docker.errors

    with pytest.raises(docker.errors.NotFound, match="No such exec instance"):
        dclient.api.exec_inspect("0" * 64)
    with pytest.raises(docker.errors.NotFound, match="No such container"):
        dclient.api.exec_create("no-such-container-xyz", ["true"])
    stopped = dclient.containers.create("busybox", ["true"], name=cleanup.container())
    with pytest.raises(docker.errors.APIError, match="is not running") as info:
        stopped.exec_run("true")
    assert info.value.status_code == 409
    ct = running(dclient, cleanup)
    with pytest.raises(docker.errors.APIError, match="No exec command specified") as info:
        dclient.api.exec_create(ct.id, [])
    assert info.value.status_code == 400


def test_exec_detach_keys_leave_the_process_running(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    cmd = ["sh", "-c", "stty raw -echo; cat > /tmp/got"]
    exec_id = dclient.api.exec_create(ct.id, cmd, stdin=True, tty=True)["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True, tty=True)._sock
    time.sleep(0.5)  # let stty switch the terminal to raw mode
    sock.sendall(b"before detach\n\x10\x11after\n")
    read_all(sock)  # the server ends the stream on ctrl-p ctrl-q
    sock.close()
    assert dclient.api.exec_inspect(exec_id)["Running"] is True
    # the keys and what followed were not forwarded; the process was not stopped
    eventually(
        lambda: ct.exec_run("cat /tmp/got").output == b"before detach\n", "input before the keys"
    )
    assert ct.exec_run("pidof cat").exit_code == 0
    # inspect follows the detached process through its podman session
    assert "cat" in _cmdline(dclient.api.exec_inspect(exec_id)["Pid"])
    assert ct.exec_run(["sh", "-c", "kill $(pidof cat)"]).exit_code == 0
    ended = eventually(
        lambda: (lambda i: i if not i["Running"] else None)(dclient.api.exec_inspect(exec_id)),
        "the detached exec ended",
    )
    assert ended["ExitCode"] == 143  # ended by SIGTERM


def test_non_tty_stdin_is_binary_safe(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(ct.id, ["sh", "-c", "cat | md5sum"], stdin=True)["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True)._sock
    payload = bytes(range(256)) * 64  # includes ctrl-p ctrl-q: no detaching without a TTY
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    output = read_all(sock)
    sock.close()
    assert hashlib.md5(payload).hexdigest().encode() in output


def test_exec_tty_resize(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(
        ct.id, ["sh", "-c", "read go; stty size"], stdin=True, tty=True
    )["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True, tty=True)._sock
    dclient.api.exec_resize(exec_id, height=21, width=71)
    sock.sendall(b"go\r")
    output = read_all(sock)
    sock.close()
    assert b"21 71" in output
    assert not output.startswith(b"\x01\x00")  # raw with a TTY
    assert dclient.api.exec_inspect(exec_id)["ExitCode"] == 0


def test_attach_created_container_then_start(dclient: Any, cleanup: Cleanup) -> None:
    ct = dclient.containers.create(
        "busybox", ["sh", "-c", "echo one; echo two >&2; exit 2"], name=cleanup.container()
    )
    stream = ct.attach(stream=True, logs=False, demux=True)
    ct.start()
    assert list(stream) == [(b"one\n", None), (None, b"two\n")]
    assert ct.wait()["StatusCode"] == 2


def test_attach_logs_replay(dclient: Any, cleanup: Cleanup) -> None:
    ct = dclient.containers.run(
        "busybox", ["sh", "-c", "echo past"], detach=True, name=cleanup.container()
    )
    assert ct.wait()["StatusCode"] == 0
    assert ct.attach(stream=False, logs=True, stdout=True, stderr=True) == b"past\n"


def test_attach_running_container_streams_output(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(
        dclient, cleanup, "sh", "-c", "read line; echo got:$line; sleep 600", stdin_open=True
    )
    sock = dclient.api.attach_socket(ct.id, params={"stdin": 1, "stdout": 1, "stream": 1})._sock
    time.sleep(0.5)
    sock.sendall(b"hello\n")
    buf = b""
    while b"got:hello" not in buf:
        chunk = sock.recv(4096)
        assert chunk
        buf += chunk
    assert buf.startswith(b"\x01\x00\x00\x00")  # multiplexed without a TTY
    sock.close()
    eventually(lambda: ct.reload() or ct.status == "running", "still running after the client left")


def _raw_request(shim: Shim, request: bytes) -> tuple[bytes, socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(shim.socket)
    sock.sendall(request)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk
        head += chunk
    return head, sock


@pytest.mark.parametrize(
    ("version", "content_type"), [("1.45", "multiplexed-stream"), ("1.41", "raw-stream")]
)
def test_raw_exec_start_head(
    dclient: Any, cleanup: Cleanup, shim: Shim, version: str, content_type: str
) -> None:
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(ct.id, ["sh", "-c", "cat; echo done"], stdin=True)["Id"]
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    request = (
        (
            f"POST /v{version}/exec/{exec_id}/start HTTP/1.1\r\nHost: docker\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        ).encode()
        + body
        + b"early\n"
    )  # stdin right behind the head, before the 101
    head, sock = _raw_request(shim, request)
    sock.shutdown(socket.SHUT_WR)
    text = head.decode()
    assert text.startswith("HTTP/1.1 101 UPGRADED\r\n")
    assert f"Content-Type: application/vnd.docker.{content_type}\r\n" in text
    assert "Upgrade: tcp\r\n" in text and "Connection: Upgrade\r\n" in text
    assert "Api-Version: 1.45\r\n" in text
    data = read_all(sock)
    sock.close()
    frames, rest = parse_frames(data)
    assert rest == b""
    assert {stream for stream, _ in frames} == {1}
    assert b"".join(payload for _, payload in frames) == b"early\ndone\n"


@pytest.mark.parametrize(
    ("script", "expected"),
    [("sleep 3; echo late", b"late\n"), ("echo quick", b"quick\n")],
)
def test_attach_then_started_by_podman_directly(
    dclient: Any, cleanup: Cleanup, script: str, expected: bytes
) -> None:
    """The fallback: a start that does not come through the API is noticed (podman events);
    a running container is attached late, an exited one has its logs replayed."""
    name = cleanup.container()
    ct = dclient.containers.create("busybox", ["sh", "-c", script], name=name)
    stream = ct.attach(stream=True, logs=False)
    podman("start", name)
    assert b"".join(stream) == expected


def test_attach_logs_and_stream_of_a_running_container(dclient: Any, cleanup: Cleanup) -> None:
    """compose's attached `up`: what was printed before the attach, then the live output."""
    script = "echo before; sleep 2; echo after >&2"
    ct = dclient.containers.run(
        "busybox", ["sh", "-c", script], detach=True, name=cleanup.container()
    )
    eventually(lambda: ct.logs() == b"before\n", "the first line was logged")
    stream = ct.attach(stream=True, logs=True, demux=True)
    assert list(stream) == [(b"before\n", None), (None, b"after\n")]


def _cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode()


def test_detached_exec_inspect_follows_the_process(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    cmd = ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3"]
    exec_id = dclient.api.exec_create(ct.id, cmd)["Id"]
    dclient.api.exec_start(exec_id, detach=True)
    live = dclient.api.exec_inspect(exec_id)
    assert live["Running"] is True and live["ExitCode"] is None
    assert "while [ ! -e /tmp/go ]" in _cmdline(live["Pid"])  # the host's pid, as dockerd's
    assert ct.exec_run(["touch", "/tmp/go"]).exit_code == 0
    ended = eventually(
        lambda: (lambda i: i if not i["Running"] else None)(dclient.api.exec_inspect(exec_id)),
        "the detached exec ended",
    )
    assert ended["ExitCode"] == 3
    assert ended["Pid"] == live["Pid"]  # still shown once it ended, as dockerd does
    ct.reload()
    assert ct.status == "running"


def test_attached_exec_has_its_pid_while_it_runs(dclient: Any, cleanup: Cleanup) -> None:
    ct = running(dclient, cleanup)
    exec_id = dclient.api.exec_create(ct.id, ["sh", "-c", "echo started; sleep 30; exit 4"])["Id"]
    sock = dclient.api.exec_start(exec_id, socket=True)._sock
    try:
        assert b"started" in sock.recv(4096)
        live = dclient.api.exec_inspect(exec_id)
        assert live["Running"] is True and live["Pid"] > 0
        assert "sleep 30" in _cmdline(live["Pid"])
        ct.exec_run(["pkill", "sleep"])
        read_all(sock)
    finally:
        sock.close()
    ended = dclient.api.exec_inspect(exec_id)
    assert ended["Running"] is False and ended["ExitCode"] == 4
