"""The attach/exec pump with real child processes (sh, not podman) and an in-memory connection:
framing, raw TTY bytes, half-close, detach keys, a client that goes away, exit codes."""

from __future__ import annotations

import asyncio
import os

from dockershim.podman import PodmanRunner, SpawnedProcess
from dockershim.streams.framing import parse_frames
from dockershim.streams.pump import PumpOptions, pump


class MemoryConnection:
    """Input fed by the test (None = half-close); output collected; `gone` = client left."""

    def __init__(self, inputs: list[bytes | None] | None = None) -> None:
        self.input: asyncio.Queue[bytes | None] = asyncio.Queue()
        for item in inputs or []:
            self.input.put_nowait(item)
        self.output = bytearray()
        self.gone = asyncio.Event()
        self.accept_writes = True

    async def read(self, limit: int = 65536) -> bytes:
        item = await self.input.get()
        if item is None:
            self.input.put_nowait(None)
            return b""
        return item

    async def write(self, data: bytes) -> bool:
        if not self.accept_writes:
            return False
        self.output += data
        return True

    async def closed(self) -> None:
        await self.gone.wait()


def _sh() -> PodmanRunner:
    return PodmanRunner("/bin/sh")


def _alive(child: SpawnedProcess) -> bool:
    return child.process.returncode is None and os.path.exists(f"/proc/{child.pid}")


async def test_frames_stdout_and_stderr_and_exit_code() -> None:
    child = await _sh().spawn(["-c", "echo out; echo err >&2; exit 3"])
    conn = MemoryConnection()
    try:
        result = await pump(conn, child, PumpOptions(tty=False))
    finally:
        await child.close()
    assert (result.outcome, result.exit_code) == ("exited", 3)
    frames, rest = parse_frames(bytes(conn.output))
    assert rest == b""
    assert sorted(frames) == [(1, b"out\n"), (2, b"err\n")]


async def test_half_close_closes_stdin_while_output_continues() -> None:
    child = await _sh().spawn(["-c", "cat; echo after-eof"], stdin=True)
    conn = MemoryConnection([b"hello ", b"world\n", None])
    try:
        result = await pump(conn, child, PumpOptions(tty=False, stdin=True))
    finally:
        await child.close()
    assert result == result.__class__("exited", 0)
    frames, _ = parse_frames(bytes(conn.output))
    assert b"".join(data for _, data in frames) == b"hello world\nafter-eof\n"


async def test_unwanted_stream_is_dropped() -> None:
    child = await _sh().spawn(["-c", "echo out; echo err >&2"])
    conn = MemoryConnection()
    try:
        await pump(conn, child, PumpOptions(tty=False, stderr=False))
    finally:
        await child.close()
    frames, _ = parse_frames(bytes(conn.output))
    assert frames == [(1, b"out\n")]


async def test_detach_keys_end_the_stream_and_are_not_forwarded() -> None:
    child = await _sh().spawn(["-c", "cat"], stdin=True)
    conn = MemoryConnection([b"typed\n", b"\x10\x11", b"never\n"])
    try:
        result = await pump(
            conn, child, PumpOptions(tty=False, stdin=True, detach_keys=b"\x10\x11")
        )
        assert result.outcome == "detached"
        assert _alive(child)  # detaching does not stop the process; the caller decides
    finally:
        await child.close()
    assert not _alive(child)


async def test_client_gone_ends_the_pump_and_close_reaps_the_child() -> None:
    child = await _sh().spawn(["-c", "sleep 60"])
    conn = MemoryConnection()
    task = asyncio.ensure_future(pump(conn, child, PumpOptions(tty=False)))
    await asyncio.sleep(0.1)
    conn.gone.set()
    result = await asyncio.wait_for(task, 10)
    assert result.outcome == "gone"
    await child.close()
    assert child.process.returncode is not None
    assert not os.path.exists(f"/proc/{child.pid}")


async def test_failed_write_means_client_gone() -> None:
    child = await _sh().spawn(["-c", "while :; do echo spam; done"])
    conn = MemoryConnection()
    conn.accept_writes = False
    try:
        result = await asyncio.wait_for(pump(conn, child, PumpOptions(tty=False)), 10)
    finally:
        await child.close()
    assert result.outcome == "gone"


async def test_tty_output_is_raw_and_input_reaches_the_terminal() -> None:
    script = "stty raw -echo; read line; echo got:$line; exit 5"
    child = await _sh().spawn(["-c", script], use_pty=True, window=(30, 100))
    conn = MemoryConnection()
    task = asyncio.ensure_future(pump(conn, child, PumpOptions(tty=True, stdin=True)))
    await asyncio.sleep(0.3)  # let stty switch the terminal to raw mode
    conn.input.put_nowait(b"abc\n")
    try:
        result = await asyncio.wait_for(task, 10)
    finally:
        await child.close()
    assert (result.outcome, result.exit_code) == ("exited", 5)
    assert b"got:abc" in conn.output
    assert not conn.output.startswith(b"\x01\x00\x00\x00")  # no multiplexing with a TTY


async def test_window_size_applies_to_the_terminal() -> None:
    child = await _sh().spawn(["-c", "stty size"], use_pty=True, window=(33, 111))
    conn = MemoryConnection()
    try:
        await asyncio.wait_for(pump(conn, child, PumpOptions(tty=True)), 10)
    finally:
        await child.close()
    assert b"33 111" in conn.output


async def test_podman_attach_final_newline_is_dropped() -> None:
    # what `podman attach` does: the container's output, then one "\n" of its own at the exit
    child = await _sh().spawn(
        [
            "-c",
            "printf 'a\\n'; sleep 0.2; printf '\\n'; sleep 0.2; printf 'b'; sleep 0.2; printf '\\n'",
        ]
    )
    conn = MemoryConnection()
    try:
        await pump(conn, child, PumpOptions(tty=False, drop_final_newline=True))
    finally:
        await child.close()
    frames, _ = parse_frames(bytes(conn.output))
    assert b"".join(data for _, data in frames) == b"a\n\nb"
