"""podman's container records read from its BoltDB file (a real podman 4.3.1 file and built
ones), the fingerprint, and the engine's container reads over them with a fake CLI."""

from __future__ import annotations

import dataclasses
import fcntl
import itertools
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from dockershim.engine.containers import Containers
from dockershim.engine.kept import Kept, Views
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman.boltstate import BoltFile
from dockershim.podman.libpod_state import StateUnreadable, VolumeRecord, snapshot
from dockershim.podman.statedb import lock_pauses
from tests.fakes import FIXTURES, FakePodman
from tests.unit.bolt_builder import Builder, Inline

REAL = Path(FIXTURES) / "bolt_state.db"
ALWAYS_ID = "ab9e00e96f039408cf27f6e4c1241d6f0294579e05ad01bfcc815ec1ef89bab3"
NO_ID = "64d14f2a1aa47d70143ac3611e6cb84f2691e6b4ec5d23361782b038225c12e3"


def _ctr(name: str, state: int, run_dir: str = "") -> dict[bytes, object]:
    return {
        b"config": json.dumps({"id": "x", "name": name, "spec": {}}).encode(),
        b"state": json.dumps({"state": state, "runDir": run_dir}).encode(),
        b"networks": Inline({b"podman": b'{"aliases":["a"]}'}),
        b"exec": Inline({}),
    }


_COMMITS = itertools.count(11)


def _db(tmp_path: Path, containers: dict[str, dict[bytes, object]], leaf_max: int = 1000) -> str:
    builder = Builder(leaf_max=leaf_max)
    tree = {
        b"ctr": {k.encode(): v for k, v in containers.items()},
        b"runtime-config": {b"tmp-dir": str(tmp_path / "tmp").encode()},
        b"vol": {b"data": {b"config": b'{"name":"data"}'}},
    }
    path = tmp_path / "bolt_state.db"
    # every write a new transaction, as bbolt commits it (snapshots are kept per txid)
    txid = next(_COMMITS)
    path.write_bytes(builder.file([builder.bucket(tree)], txid=txid))  # type: ignore[arg-type]
    return str(path)


def test_real_podman_file() -> None:
    snap = snapshot(str(REAL))
    assert {ALWAYS_ID, NO_ID} <= set(snap.containers)
    for ident in (ALWAYS_ID, NO_ID):
        record = snap.containers[ident]
        assert snap.names[record.name] == ident
        assert record.status in ("created", "running", "exited", "stopped")
    assert snap.tmp_dir.endswith("/libpod/tmp")


def test_entries_of_a_split_bucket(tmp_path: Path) -> None:
    many = {f"{i:064x}": _ctr(f"c{i}", 3) for i in range(40)}
    snap = snapshot(_db(tmp_path, many, leaf_max=3))  # branch pages between root and leaves
    assert set(snap.containers) == set(many)
    assert snap.names["c7"] == f"{7:064x}"
    assert all(r.status == "running" and r.active for r in snap.containers.values())
    assert snap.volumes == {"data": VolumeRecord(b'{"name":"data"}', b"")}
    fd = os.open(_db(tmp_path, many, leaf_max=3), os.O_RDONLY)
    try:
        db = BoltFile(fd)
        keys = [e.key for e in db.entries(db.top_buckets()[b"ctr"])]
    finally:
        os.close(fd)
    assert keys == sorted(keys) and len(keys) == 40


def test_volume_users_are_the_recorded_containers_that_exist(tmp_path: Path) -> None:
    """A volume's `vol-dependencies` (podman's VolumeInUse): ids of containers still there."""
    ident, gone = f"{1:064x}", f"{2:064x}"
    tree = {
        b"ctr": {ident.encode(): _ctr("c1", 3)},
        b"vol": {
            b"used": {
                b"config": b'{"name":"used"}',
                b"vol-dependencies": Inline({ident.encode(): ident.encode(), gone.encode(): b""}),
            },
            b"unused": {b"config": b'{"name":"unused"}', b"vol-dependencies": Inline({})},
            b"old": {b"config": b'{"name":"old"}'},  # no dependencies bucket at all
        },
    }
    path = tmp_path / "bolt_state.db"
    builder = Builder()
    path.write_bytes(builder.file([builder.bucket(tree)], txid=next(_COMMITS)))  # type: ignore[arg-type]
    snap = snapshot(str(path))
    assert {n: r.users for n, r in snap.volumes.items()} == {
        "used": (ident,),
        "unused": (),
        "old": (),
    }
    assert snap.volumes["used"].config == b'{"name":"used"}'


def test_a_new_snapshot_reuses_the_records_whose_pages_read_the_same(tmp_path: Path) -> None:
    web, db, busy = "a" * 64, "b" * 64, "c" * 64
    # an exec bucket on pages of its own: the container's page alone does not show it
    busy_ctr = {**_ctr("busy", 3), b"exec": {b"e" * 64: b"{}"}}
    first = snapshot(_db(tmp_path, {web: _ctr("web", 3), db: _ctr("db", 3), busy: busy_ctr}))
    second = snapshot(_db(tmp_path, {web: _ctr("web", 3), db: _ctr("db", 6), busy: busy_ctr}))
    assert second.containers[web] is first.containers[web]  # unchanged: not walked again
    assert first.containers[db].status == "running"
    assert second.containers[db].status == "exited"  # changed: read anew
    assert second.containers[busy] is not first.containers[busy]
    assert second.containers[busy].state == first.containers[busy].state
    third = snapshot(_db(tmp_path, {web: _ctr("api", 3), db: _ctr("db", 6)}))
    assert third.containers[web].name == "api" and third.names == {"api": web, "db": db}
    assert third.containers[db] is second.containers[db]


def test_fingerprint_follows_exit_file_and_health_log(tmp_path: Path) -> None:
    run_dir = tmp_path / "ctr" / "userdata"
    run_dir.mkdir(parents=True)
    ident = "a" * 64
    snap = snapshot(_db(tmp_path, {ident: _ctr("web", 3, str(run_dir))}))
    record = snap.containers[ident]
    first = snap.fingerprint(record)
    assert snap.fingerprint(record) == first
    (tmp_path / "tmp" / "exits").mkdir(parents=True)
    (tmp_path / "tmp" / "exits" / ident).write_text("0")  # conmon saw it exit
    second = snap.fingerprint(record)
    assert second != first
    (run_dir.parent / "healthcheck.log").write_text("{}")
    assert snap.fingerprint(record) not in (first, second)
    # a stored change is a change
    other = dataclasses.replace(record, setup=record.setup + b"x")
    assert snap.fingerprint(other) != snap.fingerprint(record)


def test_unreadable_files(tmp_path: Path) -> None:
    sqlite = tmp_path / "db.sql"
    sqlite.write_bytes(b"SQLite format 3\0" + b"\0" * 8192)
    with pytest.raises(StateUnreadable):
        snapshot(str(sqlite))
    with pytest.raises(StateUnreadable):
        snapshot(str(tmp_path / "missing"))


def _at(path: str) -> Callable[[], Awaitable[str | None]]:
    """The engine's locator of podman's database, for a file the test built."""

    async def database() -> str | None:
        return path

    return database


def _inspect(ident: str, name: str, status: str) -> dict[str, object]:
    return {"Id": ident, "Name": name, "State": {"Status": status}}


async def test_engine_inspects_once_per_change(tmp_path: Path) -> None:
    one, two = "ab" + "1" * 62, "ab" + "2" * 62
    path = _db(tmp_path, {one: _ctr("web", 3), two: _ctr("db", 6)})
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect(one, "web", "running")])

    engine = Containers(fake, _at(path))
    raw = await engine.inspect("web")
    assert raw["Id"] == one
    calls = len(fake.calls)
    assert (await engine.inspect(one[:10]))["Id"] == one  # a unique prefix, kept: no process
    raw["State"] = "changed by a caller"
    assert (await engine.inspect(one))["State"] == {"Status": "running"}
    assert len(fake.calls) == calls
    with pytest.raises(InvalidParameter, match="multiple IDs"):
        await engine.lookup("ab")
    with pytest.raises(NotFound, match="No such container: ghost"):
        await engine.inspect("ghost")
    with pytest.raises(NotFound):
        await engine.inspect("--all")  # never an option
    ref = await engine.lookup("db")
    assert (ref.id, ref.name, ref.status) == (two, "db", "exited")
    assert await engine.ids(running_only=True) == [one]
    assert sorted(await engine.statuses()) == ["exited", "running"]
    # the container stopped (only its state changed): the kept JSON follows, no process
    _db(tmp_path, {one: _ctr("web", 6), two: _ctr("db", 6)})
    state = (await engine.inspect("web"))["State"]
    assert (state["Status"], state["Running"], state["ExitCode"]) == ("exited", False, 0)
    assert len(fake.calls) == calls
    # podman changed its setup (renamed): inspected again, once
    _db(tmp_path, {one: _ctr("api", 6), two: _ctr("db", 6)})
    fake.answer(["container", "inspect"], [_inspect(one, "api", "exited")])
    assert (await engine.inspect("api"))["Name"] == "api"
    assert (await engine.inspect("api"))["Name"] == "api"
    assert len(fake.calls) == calls + 1
    assert engine.fallback is None


async def test_lists_share_the_kept_json_until_the_state_changes(tmp_path: Path) -> None:
    one = "ab" + "1" * 62
    path = _db(tmp_path, {one: _ctr("web", 3)})
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect(one, "web", "running")])

    engine = Containers(fake, _at(path))
    first = await engine.inspect_all()
    again = await engine.inspect_all(running_only=True)
    # parsed once: a list of 20 containers parsed each one's JSON on every request before
    assert first[0] is again[0]
    assert first[0]["State"] == {"Status": "running"}
    # an inspect is the caller's own copy, the list's view stays as podman's JSON
    mine = await engine.inspect(one)
    mine["State"]["Status"] = "changed by a caller"
    assert (await engine.inspect_all())[0]["State"] == {"Status": "running"}
    _db(tmp_path, {one: _ctr("web", 6)})  # it stopped: a new view, the old one untouched
    after = await engine.inspect_all()
    assert after[0]["State"]["Status"] == "exited"
    assert first[0]["State"] == {"Status": "running"}
    assert await engine.inspect_all(running_only=True) == []


def test_shared_views_stay_within_their_budget() -> None:
    def kept(text: str) -> Kept:
        return Kept("print", "setup", {}, "", text)

    small, other = kept('{"Id": "a"}'), kept('{"Id": "cc"}')
    views = Views(budget=len(small.text) + 10)
    assert views.of("a", small) is views.of("a", small)  # held: parsed once
    assert views.of("c", other) is not views.of("c", other)  # past the budget: parsed per read
    assert views.of("c", other) == {"Id": "cc"}
    views.drop("a")  # gone: its part of the budget is free again
    assert views.of("c", other) is views.of("c", other)
    newer = kept('{"Id": "cc", "State": 1}')  # changed: a new view, not the old one
    assert views.of("c", newer) == {"Id": "cc", "State": 1}


async def test_engine_falls_back_to_the_cli(tmp_path: Path) -> None:
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect("c" * 64, "web", "running")])
    fake.answer(["ps"], "c" * 64 + "\n")

    async def no_database() -> None:
        return None

    engine = Containers(fake, no_database)
    assert (await engine.inspect("web"))["Id"] == "c" * 64
    assert await engine.ids() == ["c" * 64]
    assert engine.fallback and "BoltDB" in engine.fallback
    garbage = tmp_path / "bolt_state.db"
    garbage.write_bytes(b"\0" * 16384)

    async def garbage_database() -> str:
        return str(garbage)

    engine = Containers(fake, garbage_database)
    calls = len(fake.calls)
    assert (await engine.inspect("web"))["Id"] == "c" * 64
    assert len(fake.calls) == calls + 1  # answered by the CLI


async def test_concurrent_inspects_go_as_one(tmp_path: Path) -> None:
    import asyncio

    ids = [f"{i:064x}" for i in range(1, 5)]
    path = _db(tmp_path, {i: _ctr(f"c{n}", 3) for n, i in enumerate(ids)})
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect(i, "c", "running") for i in ids])

    engine = Containers(fake, _at(path))
    found = await asyncio.gather(*(engine.inspect(i) for i in ids))
    assert [f["Id"] for f in found] == ids
    inspects = [c for c in fake.calls if c[:2] == ["container", "inspect"]]
    # requests that come while one runs join the next call: fewer calls than requests
    assert sorted(i for c in inspects for i in c[5:]) == ids
    assert len(inspects) < len(ids)


async def test_kept_inspects_outlive_the_service(tmp_path: Path) -> None:
    import asyncio

    one = "d" * 64
    path = _db(tmp_path, {one: _ctr("web", 3)})
    fake = FakePodman()
    fake.answer(["container", "inspect"], [_inspect(one, "web", "running")])

    state_dir = tmp_path / "state"
    first = Containers(fake, _at(path), str(state_dir))
    await first.inspect("web")
    await asyncio.sleep(1.3)  # written once changes settle
    assert (state_dir / "kept-inspects.json").stat().st_mode & 0o777 == 0o600
    calls = len(fake.calls)
    second = Containers(fake, _at(path), str(state_dir))  # the next activation
    assert (await second.inspect("web"))["Id"] == one
    assert len(fake.calls) == calls
    # a changed setup is not answered from the file
    _db(tmp_path, {one: _ctr("api", 3)})
    third = Containers(fake, _at(path), str(state_dir))
    await third.inspect("api")
    assert len(fake.calls) == calls + 1


async def test_concurrent_requests_share_database_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """podman's writers wait while we hold the shared lock: one read at a time, shared."""
    import asyncio

    import dockershim.engine.containers as engine_containers

    path = _db(tmp_path, {"e" * 64: _ctr("web", 3)})
    reads: list[float] = []
    real = engine_containers.snapshot

    def counted(where: str, wait: float = 2.0) -> object:
        reads.append(1)
        return real(where, wait)

    monkeypatch.setattr(engine_containers, "snapshot", counted)

    engine = Containers(FakePodman(), _at(path))
    looked = await asyncio.gather(*(engine.lookup("web") for _ in range(20)))
    assert {found.id for found in looked} == {"e" * 64}
    assert 1 <= len(reads) <= 2  # the first alone, the others together after it


async def test_a_read_waits_for_podmans_write_in_short_pauses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A podman process holding the lock for a write: the read is tried again after pauses
    of a few ms in the event loop (no worker thread), and is answered once the write ends."""
    import asyncio

    import dockershim.engine.containers as engine_containers

    path = _db(tmp_path, {"e" * 64: _ctr("web", 3)})
    paused: list[float] = []

    def recorded(wait: float) -> Iterator[float]:
        for pause in lock_pauses(wait):
            paused.append(pause)
            yield pause

    threads: set[str] = set()
    real = engine_containers.snapshot

    def where(path: str, wait: float = 2.0) -> object:
        threads.add(threading.current_thread().name)
        return real(path, wait)

    monkeypatch.setattr(engine_containers, "lock_pauses", recorded)
    monkeypatch.setattr(engine_containers, "snapshot", where)
    writer = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(writer, fcntl.LOCK_EX)
        asyncio.get_running_loop().call_later(0.02, fcntl.flock, writer, fcntl.LOCK_UN)
        found = await Containers(FakePodman(), _at(path)).lookup("web")
    finally:
        os.close(writer)
    assert found.id == "e" * 64
    assert threads == {threading.main_thread().name}  # every try in the event loop
    assert len(paused) >= 3 and paused[:3] == [0.001, 0.002, 0.004]
    assert max(paused) <= 0.016


async def test_a_lock_held_too_long_sends_reads_to_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dockershim.engine.containers as engine_containers

    path = _db(tmp_path, {"e" * 64: _ctr("web", 3)})
    monkeypatch.setattr(engine_containers, "_READ_WAIT", 0.03)
    writer = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(writer, fcntl.LOCK_EX)
        engine = Containers(FakePodman(), _at(path))
        assert await engine.snapshot() is None  # this time: the CLI answers
        fcntl.flock(writer, fcntl.LOCK_UN)
        snap = await engine.snapshot()
    finally:
        os.close(writer)
    assert snap is not None and "e" * 64 in snap.containers


def test_a_snapshot_is_read_again_only_after_a_commit(tmp_path: Path) -> None:
    """bbolt raises the txid on every commit: the same txid in the same file is the same
    content, so the parsed snapshot is kept; a commit (or another file) reads anew."""
    ident = "cd" + "3" * 62
    path = _db(tmp_path, {ident: _ctr("web", 3)})
    first = snapshot(path)
    assert snapshot(path) is first
    _db(tmp_path, {ident: _ctr("web", 6)})
    second = snapshot(path)
    assert second is not first and second.containers[ident].status == "exited"
    os.unlink(path)
    _db(tmp_path, {ident: _ctr("api", 3)})  # a new file (inode), whatever its txid
    assert snapshot(path).containers[ident].name == "api"


def _volume(config: dict[str, object], state: dict[str, object] | None = None) -> VolumeRecord:
    return VolumeRecord(json.dumps(config).encode(), json.dumps(state).encode() if state else b"")


def test_a_volume_record_reads_as_podman_prints_it() -> None:
    """podman 4.3's InspectVolumeData of a local volume (libpod/volume_inspect.go): Go's
    omitempty fields left out when zero; the uid chowned wins over the configured one."""
    config = {
        "name": "v", "volumeDriver": "local", "mountPoint": "/s/v/_data", "uid": 5, "gid": 6,
        "createdAt": "2026-12-07T18:45:14.172912817Z", "isAnon": False, "labels": None,
        "volumeOptions": {"o": "nodev"}, "timeout": 3,
    }  # fmt: skip
    state = {"mountCount": 2, "notYetMounted": True, "uidChowned": 7}
    assert _volume(config, state).inspect() == {
        "Name": "v", "Driver": "local", "Mountpoint": "/s/v/_data",
        "CreatedAt": "2026-12-07T18:45:14.172912817Z", "Labels": {}, "Scope": "local",
        "Options": {"o": "nodev"}, "UID": 7, "GID": 6, "MountCount": 2, "NeedsCopyUp": True,
        "Timeout": 3,
    }  # fmt: skip
    bare = _volume({"name": "b", "volumeDriver": ""}).inspect()
    assert bare is not None and bare["MountCount"] == 0 and "UID" not in bare
    assert bare["CreatedAt"] == "0001-01-01T00:00:00Z"  # Go's zero time, as podman prints it


@pytest.mark.parametrize(
    "record",
    [
        VolumeRecord(b'{"name":"p","volumeDriver":"some-plugin"}', b""),  # its plugin answers
        VolumeRecord(b"{not json", b""),
        VolumeRecord(b"[]", b""),
        VolumeRecord(b'{"name":"s"}', b"[1]"),
        VolumeRecord(b'{"volumeDriver":"local"}', b""),  # no name: not podman 4's record
    ],
)
def test_a_volume_record_podman_must_answer_for(record: VolumeRecord) -> None:
    assert record.inspect() is None
