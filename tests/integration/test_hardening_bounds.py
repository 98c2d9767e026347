"""Bounds: bad input leaves the service's descriptors where they were; events share one
podman reader."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Cleanup, Shim


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _settled(pid: int, baseline: int) -> int:
    """The shim's descriptor count once closed connections are gone (at most 20 s)."""
    deadline = time.monotonic() + 20
    count = _fds(pid)
    while count > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
        count = _fds(pid)
    return count


@pytest.fixture
def api(shim: Shim) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(uds=shim.socket)
    with httpx.Client(transport=transport, base_url="http://docker/v1.45", timeout=60) as client:
        yield client


def test_bad_tty_execs_leak_no_descriptor(shim: Shim, api: httpx.Client, cleanup: Cleanup) -> None:
    assert shim.proc is not None
    name = cleanup.container()
    body = {"Image": "busybox", "Cmd": ["sleep", "300"], "Tty": True}
    assert api.post("/containers/create", params={"name": name}, json=body).status_code == 201
    assert api.post(f"/containers/{name}/start").status_code == 204
    api.get("/_ping")
    baseline = _fds(shim.proc.pid)
    for i in range(40):
        config: dict[str, object] = {"Cmd": ["true"], "Tty": True, "AttachStdout": True}
        if i % 2:
            config["ConsoleSize"] = [70000, 70000]
        else:
            config["Cmd"] = ["echo", "nul\u0000here"]
        reply = api.post(f"/containers/{name}/exec", json=config)
        if reply.status_code != 201:
            assert reply.status_code == 400, reply.text
            continue
        exec_id = reply.json()["Id"]
        with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket), timeout=60) as once:
            start = once.post(
                f"http://docker/v1.45/exec/{exec_id}/start", json={"Detach": False, "Tty": True}
            )
            assert start.status_code < 500, start.text
    assert _settled(shim.proc.pid, baseline) <= baseline


CONTAINER_EVENTS = '{"type": ["container"]}'


def _podman_events(pid: int) -> int:
    """`podman events` processes among the shim's children."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"events" in cmdline[1:3]:
            count += 1
    return count


def test_event_clients_share_one_podman_events(shim: Shim, cleanup: Cleanup) -> None:
    assert shim.proc is not None
    pid = shim.proc.pid
    with contextlib.ExitStack() as stack:
        responses = []
        for _ in range(16):
            client = stack.enter_context(
                httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket), timeout=60)
            )
            response = stack.enter_context(
                client.stream(
                    "GET", "http://docker/v1.45/events", params={"filters": CONTAINER_EVENTS}
                )
            )
            assert response.status_code == 200
            responses.append(response)
        name = cleanup.container()
        with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket), timeout=60) as api:
            reply = api.post(
                "http://docker/v1.45/containers/create", params={"name": name},
                json={"Image": "busybox", "Cmd": ["true"]},
            )  # fmt: skip
            assert reply.status_code == 201
        readers = [response.iter_lines() for response in responses]  # kept: closing one ends it
        for reader in readers:  # every client sees the event
            line = next(reader)
            assert name in line and '"create"' in line
        assert _podman_events(pid) == 1
    deadline = time.monotonic() + 20
    while _podman_events(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _podman_events(pid) == 0


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_client_that_stops_reading_a_log_makes_the_service_hold_little_of_it(
    shim: Shim, api: httpx.Client, cleanup: Cleanup
) -> None:
    # a log read from conmon's file is produced without waiting: held back before the
    # transport's flow control saw it, a stalled reader made the service hold all of it
    assert shim.proc is not None
    pid = shim.proc.pid
    name = cleanup.container()
    line = "0123456789abcdef" * 4
    script = f"yes {line} | head -c {48 << 20}"
    made = api.post(
        "/containers/create", params={"name": name},
        json={"Image": "busybox", "Cmd": ["sh", "-c", script]},
    )  # fmt: skip
    assert made.status_code == 201
    assert api.post(f"/containers/{name}/start").status_code == 204
    assert api.post(f"/containers/{name}/wait", timeout=120).json()["StatusCode"] == 0
    assert len(api.get(f"/containers/{name}/logs", params={"stdout": 1, "tail": 5}).content)
    before = _rss_kib(pid)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(shim.socket)
        request = f"GET /v1.45/containers/{name}/logs?stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\n\r\n"
        sock.sendall(request.encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(3)  # the reader stalls; what the service made of the log meanwhile stays
        grown = _rss_kib(pid) - before
    assert grown < 24 << 10, f"the service grew by {grown} KiB for a 48 MiB log"
