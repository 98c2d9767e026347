"""Build output streams step by step, as it happens: a build whose second step waits for the
test proves that the first step's output reached the client while the build was still running.

The waiting step connects (busybox nc, over the build container's slirp4netns network) to a
server of this test on the host's own address; the server answers "released" as soon as the
client has seen the first step's output, or "late" after a long wait. Buffered output can only
give "late". No time is measured: the wait is only a bound.
"""

from __future__ import annotations

import socket
import threading
import uuid
from pathlib import Path
from typing import Any

from tests.conftest import Cleanup


def _host_address() -> str:
    """This host's address on its default route (what the build container's NAT reaches)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
        return str(probe.getsockname()[0])
    finally:
        probe.close()


def test_build_output_arrives_while_the_build_runs(
    dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    address = _host_address()
    server = socket.socket()
    server.bind((address, 0))
    server.listen(1)
    server.settimeout(300)
    seen_first = threading.Event()

    def answer() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        word = b"released\n" if seen_first.wait(120) else b"late\n"
        conn.sendall(word)
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    marker = f"first-step-{uuid.uuid4().hex[:8]}"
    port = server.getsockname()[1]
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo {marker}\nRUN echo answer: $(nc {address} {port} </dev/null)\n"
    )
    tag = f"{cleanup.name('dti-stream')}:v1"
    cleanup.images.append(tag)
    out: list[str] = []
    try:
        for item in dclient.api.build(path=str(tmp_path), tag=tag, decode=True, rm=True):
            text = str(item.get("stream") or item.get("error") or "")
            out.append(text)
            if marker in text and "RUN echo" not in text:  # the step's output, not its title
                seen_first.set()
    finally:
        server.close()
        thread.join(10)
    text = "".join(out)
    assert "answer: released" in text, text


def test_an_over_long_line_and_what_follows_it_all_arrive(
    dclient: Any, cleanup: Cleanup, tmp_path: Path
) -> None:
    """A step printing a line past the pipe reader's 64 KiB (a progress bar drawn with carriage
    returns is one line), then more than a pipe holds: the build hung after that line before."""
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN head -c 150000 /dev/zero | tr '\\0' a; echo; "
        "seq 1 40000; head -c 3000000 /dev/zero | tr '\\0' b; echo; echo end-of-step\n"
    )
    tag = f"{cleanup.name('dti-longline')}:v1"
    cleanup.images.append(tag)
    text = "".join(
        str(item.get("stream") or item.get("error") or "")
        for item in dclient.api.build(
            path=str(tmp_path), tag=tag, decode=True, nocache=True, timeout=120
        )
    )
    assert "a" * 150000 + "\n" in text  # whole, however long
    assert "\n39999\n40000\n" in text
    assert text.count("b") >= 3000000  # past 1 MiB a line comes in pieces, all of it
    assert "end-of-step" in text and "Successfully tagged" in text, text[-500:]
