"""docker cp in (engine/archive.py), checked as it arrives into podman's service child's
archive PUT (after a copy of our own) or into `podman cp`: what arrives whole lands, an upload
cut short lands nothing, and no copy of an upload stays on disk."""

from __future__ import annotations

import glob
import hashlib
import os
import socket
import tempfile
import time
from typing import Any

from tests.conftest import Cleanup, Shim, one_file_tar, podman


def _leftovers() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "dockershim-cp-*")))


def _under_way(shim: Shim) -> bool:
    """The shim holds part of an upload: a `podman cp` child, or its own checked copy."""
    copies = glob.glob(os.path.join(tempfile.gettempdir(), "dockershim-cp-*", "upload.tar"))
    return bool(_cp_children(shim)) or any(os.path.getsize(p) > 0 for p in copies)


def _cp_children(shim: Shim) -> list[int]:
    """The shim's `podman cp` children still there."""
    assert shim.proc is not None
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as cmd:
                argv = cmd.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == shim.proc.pid and b"cp" in argv:
            found.append(int(pid))
    return found


def test_a_large_upload_to_a_running_container_lands_whole(dclient: Any, cleanup: Cleanup) -> None:
    before = _leftovers()
    name = cleanup.container()
    container = dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    data = os.urandom(12 << 20)
    assert container.put_archive("/tmp", one_file_tar("big.bin", data))
    out = podman("exec", name, "sha256sum", "/tmp/big.bin").stdout.split()[0]
    assert out == hashlib.sha256(data).hexdigest()
    assert _leftovers() <= before  # podman's copy of the upload went with its folder


def test_an_upload_cut_short_writes_nothing(shim: Shim, dclient: Any, cleanup: Cleanup) -> None:
    """The first entry is complete, the archive is not: podman must never extract it."""
    before = _leftovers()
    name = cleanup.container()
    dclient.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    body = one_file_tar("ok.txt", b"fine\n") + one_file_tar("later.bin", os.urandom(1 << 20))
    sent = body[: len(body) // 2]
    head = (
        f"PUT /v1.41/containers/{name}/archive?path=/tmp HTTP/1.1\r\nHost: d\r\n"
        f"Content-Type: application/x-tar\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(shim.socket)
        conn.sendall(head + sent)
        deadline = time.monotonic() + 30
        while not _under_way(shim) and time.monotonic() < deadline:
            time.sleep(0.05)  # the shim is feeding podman cp, or its own copy
        assert _under_way(shim), "the upload never reached the shim's copy or podman"
    deadline = time.monotonic() + 30
    while (_cp_children(shim) or _leftovers() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _cp_children(shim), "podman cp outlived the client"
    assert not _leftovers() - before, "a copy of the cut upload stayed on disk"
    listing = podman("exec", name, "ls", "/tmp").stdout.split()
    assert "ok.txt" not in listing and "later.bin" not in listing
    assert dclient.containers.get(name).status == "running"
