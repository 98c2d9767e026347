"""aardvark-dns missing after podman's network race is noticed and restarted (dns_watch.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dockershim.engine.dns_watch import DnsWatch, aardvark_missing
from tests.fakes import FakePodman


def test_missing_only_when_entries_and_no_server(tmp_path: Path) -> None:
    assert not aardvark_missing(str(tmp_path / "none"))  # no folder: no DNS networks
    assert not aardvark_missing(str(tmp_path))  # no network entries
    (tmp_path / "net1").write_text("10.89.0.1\n")
    assert aardvark_missing(str(tmp_path))  # entries, no pid file
    (tmp_path / "aardvark.pid").write_text(str(os.getpid()))
    assert aardvark_missing(str(tmp_path))  # a live pid, but not aardvark-dns (pid reuse)
    (tmp_path / "aardvark.pid").write_text("999999999")
    assert aardvark_missing(str(tmp_path))


def test_a_zombie_or_deaf_aardvark_is_missing(tmp_path: Path) -> None:
    # an aardvark that exited while netavark signalled it stays a zombie: it serves nothing
    (tmp_path / "net1").write_text("10.89.0.1\n")
    server = tmp_path / "bin" / "aardvark-dns"  # the name /proc/PID/stat shows
    server.parent.mkdir()
    server.symlink_to(shutil.which("sleep") or "/bin/sleep")
    live = subprocess.Popen([str(server), "30"])
    try:
        (tmp_path / "aardvark.pid").write_text(str(live.pid))
        assert not aardvark_missing(str(tmp_path))
        # alive, but its namespace has no socket on the gateway of the started one's network
        (tmp_path / "net1").write_text("10.89.0.1\n" + "ab" * 32 + " 10.89.0.2  web,abab\n")
        assert not aardvark_missing(str(tmp_path), ["cd" * 32])  # another network's
        assert aardvark_missing(str(tmp_path), ["ab" * 32])
        live.kill()
        os.waitid(os.P_PID, live.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped yet
        assert aardvark_missing(str(tmp_path))
    finally:
        live.kill()
        live.wait()


async def test_reload_runs_only_when_missing(tmp_path: Path) -> None:
    fake = FakePodman()
    fake.answer(["network", "reload"], "ok\n")

    async def folder() -> str:
        return str(tmp_path)

    watch = DnsWatch(fake, folder)
    watch.started("a" * 64)
    assert not await watch.check() and fake.calls == []  # no DNS network at all
    (tmp_path / "net1").write_text("10.89.0.1\n")
    watch.started("b" * 64)
    assert await watch.check()
    assert fake.calls == [["network", "reload", "--", "b" * 64]]
    assert not await watch.check()  # done: nothing started since


async def test_no_reload_for_containers_being_stopped(tmp_path: Path) -> None:
    """compose down: aardvark exits with the network's last container; nothing to repair."""
    fake = FakePodman()
    fake.answer(["network", "reload"], "ok\n")

    async def folder() -> str:
        return str(tmp_path)

    (tmp_path / "net1").write_text("10.89.0.1\n")
    watch = DnsWatch(fake, folder)
    watch.started("a" * 64)
    watch.started("b" * 64)
    watch.leaving("a" * 64)
    watch.leaving("b" * 64)
    assert not await watch.check() and fake.calls == []
    watch.started("a" * 64)  # started again: watched again
    assert await watch.check()
    assert fake.calls == [["network", "reload", "--", "a" * 64]]


async def test_the_watch_looks_again_later(tmp_path: Path, monkeypatch: object) -> None:
    import asyncio

    import dockershim.engine.dns_watch as dns_watch

    fake = FakePodman()
    fake.answer(["network", "reload"], "ok\n")
    (tmp_path / "net1").write_text("10.89.0.1\n")
    (tmp_path / "aardvark.pid").write_text(str(os.getpid()))  # "alive" until we say so
    alive = {"yes": True}
    real = dns_watch.aardvark_missing
    dns_watch.aardvark_missing = lambda f, ids=(): not alive["yes"] and real(f, ids)
    dns_watch.CHECKS = 0.01, 0.05, 0.2
    try:

        async def folder() -> str:
            return str(tmp_path)

        watch = DnsWatch(fake, folder)
        watch.started("c" * 64)
        await asyncio.sleep(0.03)  # first look: still there
        assert fake.calls == []
        alive["yes"] = False  # the exiting server goes a moment later
        await asyncio.sleep(0.3)
        assert fake.calls == [["network", "reload", "--", "c" * 64]]
    finally:
        dns_watch.aardvark_missing = real


async def test_no_reload_for_containers_without_dns(tmp_path: Path) -> None:
    """Entries left on a network whose containers are gone, and a `docker run` on podman's
    default network (no DNS): no reload, no podman process."""
    from dockershim.podman.libpod_state import ContainerRecord, Snapshot

    fake = FakePodman()
    fake.answer(["network", "reload"], "ok\n")
    (tmp_path / "net1").write_text("10.89.0.1\nx 10.89.0.2 gone\n")  # aardvark not running
    plain, gone, on_net1 = "a" * 64, "b" * 64, "c" * 64
    records = {
        plain: ContainerRecord(plain, "p", "running", "", b"", b"{}", networks=("podman",)),
        on_net1: ContainerRecord(on_net1, "n", "running", "", b"", b"{}", networks=("net1",)),
    }

    async def folder() -> str:
        return str(tmp_path)

    async def snapshot() -> Snapshot:
        return Snapshot(records, {}, {}, str(tmp_path / "tmp"))

    watch = DnsWatch(fake, folder, snapshot)
    watch.started(plain)
    watch.started(gone)
    assert not await watch.check()
    assert fake.calls == []
    watch.started(on_net1)
    assert await watch.check()
    assert fake.calls == [["network", "reload", "--", on_net1]]


async def test_entries_of_networks_no_container_is_on_are_told_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """netavark left a network's file behind (a failed teardown): a network with its gateway
    resolves nothing, which the log says once (the files are netavark's: only told)."""
    from dockershim.podman.libpod_state import ContainerRecord, Snapshot

    (tmp_path / "left").write_text("10.89.0.1\n" + "d" * 64 + " 10.89.0.2  old\n")
    (tmp_path / "app").write_text("10.89.0.1\n" + "c" * 64 + " 10.89.0.2  web\n")
    ident = "c" * 64
    records = {ident: ContainerRecord(ident, "w", "running", "", b"", b"{}", networks=("app",))}

    async def folder() -> str:
        return str(tmp_path)

    async def snapshot() -> Snapshot:
        return Snapshot(records, {}, {}, str(tmp_path / "tmp"))

    fake = FakePodman()
    fake.answer(["network", "reload"], "ok\n")  # no aardvark runs here either
    watch = DnsWatch(fake, folder, snapshot)
    for _ in range(2):
        watch.started(ident)
        with caplog.at_level("WARNING", logger="dockershim.engine.dns_watch"):
            await watch.check()
    told = [r.getMessage() for r in caplog.records if "no container is on" in r.getMessage()]
    assert len(told) == 1 and "(left)" in told[0]
