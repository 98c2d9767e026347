"""Byte counts that move: `docker pull` and `docker push` at a terminal (the real docker CLI on a
pseudo-terminal) draw per-layer bars whose `current/total` grow while data flows.

The registry is the local one, reached through a throttling TCP relay on another loopback port
(~4 MB/s each way), so that a 12 MB layer takes a few seconds whatever the machine's speed:
podman's own bars (on dockershim's pty) redraw several times during the transfer, and each
redraw must reach the terminal as a new count. Nothing here measures time.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DOCKER, REGISTRY, Cleanup, podman
from tests.integration.ptyclient import PtyClient

RATE = 4 << 20  # bytes per second, each direction
LAYER = 12_000_000


def _relay(src: socket.socket, dst: socket.socket) -> None:
    chunk = 32 * 1024
    try:
        while data := src.recv(chunk):
            dst.sendall(data)
            time.sleep(len(data) / RATE)  # throttle: the point is a slow link, not a measurement
    except OSError:
        pass
    finally:
        for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                sock.shutdown(how)


@pytest.fixture(scope="module")
def slow_registry() -> Iterator[str]:
    """host:port of a relay to the local registry."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    host, port = REGISTRY.split(":")

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((host, int(port)))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_relay, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def _counts(output: bytes) -> list[str]:
    """The distinct `current` values the CLI drew against the 12 MB layer's total (12MB from
    the manifest, 11.95MB from podman's rounded MiB), in order."""
    text = output.decode(errors="replace")
    seen: list[str] = []
    for current, total in re.findall(r"(\d+(?:\.\d+)?[kM]?B)/(\d+(?:\.\d+)?)MB", text):
        if 11 < float(total) < 13 and current not in seen:
            seen.append(current)
    return seen


def _cli(args: list[str], docker_env: dict[str, str]) -> PtyClient:
    return PtyClient([DOCKER, *args], docker_env, rows=40, cols=160)


def _expect_moving(output: bytes) -> None:
    """At least three distinct counts; else the whole output (an assertion's message would be
    cut in the middle, where the bars are) and what podman stores now."""
    moving = _counts(output)
    if len(moving) < 3:
        images = podman("images", "--all", "--digests", check=False).stdout
        pytest.fail(f"counts {moving} in:\n{output.decode(errors='replace')}\n{images}")


def test_pull_and_push_bars_move(
    slow_registry: str, docker_env: dict[str, str], cleanup: Cleanup, tmp_path: Path
) -> None:
    name = cleanup.name("dti-progress")
    (tmp_path / "layer").write_bytes(os.urandom(LAYER))  # random: gzip cannot shrink it
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY layer /layer\n")
    built = f"{REGISTRY}/{name}:v1"
    podman("build", "-q", "-t", built, str(tmp_path))
    cleanup.images.append(built)

    pushed = f"{slow_registry}/{name}:v1"
    podman("tag", built, pushed)
    cleanup.images.append(pushed)
    push = _cli(["push", pushed], docker_env)
    assert push.wait(timeout=300) == 0, push.output
    _expect_moving(push.output)  # e.g. 1.05MB, 4.19MB, 8.39MB, 12MB
    assert b"Pushed" in push.output

    podman("rmi", pushed, built)
    pull = _cli(["pull", pushed], docker_env)
    assert pull.wait(timeout=300) == 0, pull.output
    _expect_moving(pull.output)
    assert b"Already exists" in pull.output  # busybox's layer
    assert b"Pull complete" in pull.output
    assert f"Downloaded newer image for {pushed}".encode() in pull.output
