"""conmon's attach socket as the stream pump reads it: packets split by their stream byte,
the end when conmon closes, the exit code asked for after; a socket path longer than a socket
address allows."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from dockershim.engine.conmon_attach import SocketAttach, connect


async def _read_all(reader: object) -> bytes:
    out = b""
    while chunk := await reader.read(65536):  # type: ignore[attr-defined]
        out += chunk
    return out


async def test_packets_go_to_their_stream_and_the_close_ends_both() -> None:
    ours, conmons = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.setblocking(False)
    for packet in (b"\x02out ", b"\x03err", b"\x09junk", b"\x02", b"\x02" + b"x" * 8192):
        conmons.send(packet)
    conmons.close()

    async def exit_code() -> int:
        return 3

    attached = SocketAttach("c" * 64, ours, exit_code)
    try:
        out, err = await asyncio.gather(
            _read_all(attached.process.stdout), _read_all(attached.process.stderr)
        )
        assert out == b"out " + b"x" * 8192
        assert err == b"err"
        assert await attached.wait() == 3
        assert attached.master_fd is None and attached.process.stdin is None
    finally:
        await attached.close()


async def test_a_slow_reader_holds_the_socket_back_and_loses_nothing() -> None:
    ours, conmons = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.setblocking(False)
    conmons.setblocking(False)

    async def exit_code() -> int | None:
        return None

    attached = SocketAttach("c" * 64, ours, exit_code)
    sent = 0
    try:
        for i in range(2000):  # far more than the queue holds: conmon's side fills up
            try:
                conmons.send(b"\x02" + bytes([i % 256]) * 1000)
                sent += 1000
            except BlockingIOError:
                break
            await asyncio.sleep(0)
        assert sent < 2_000_000  # the socket pushed back instead of us holding it all
        conmons.setblocking(True)
        closing = asyncio.get_running_loop().run_in_executor(None, conmons.close)
        assert len(await _read_all(attached.process.stdout)) == sent
        await closing
        assert await attached.wait() == -1  # the code could not be told
    finally:
        await attached.close()


async def test_connect_reaches_a_socket_deeper_than_an_address_allows(tmp_path: Path) -> None:
    bundle = tmp_path / ("d" * 60) / ("e" * 60)
    bundle.mkdir(parents=True)
    assert len(str(bundle / "attach")) > 108
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    folder = os.open(bundle, os.O_PATH)
    try:
        server.bind(f"/proc/self/fd/{folder}/attach")
        server.listen(1)
        conn = await connect(str(bundle))
        accepted, _ = server.accept()
        accepted.send(b"\x02hi")
        assert conn.recv(16) == b"\x02hi"
        conn.close()
        accepted.close()
    finally:
        server.close()
        os.close(folder)
