"""podman 4.x's container and volume records, read from its BoltDB state without a process.

`snapshot(path)` opens `bolt_state.db` under bbolt's shared flock (podman writes under the
exclusive one, so a snapshot is always one committed transaction) and returns every
container's raw `config` and `state` values, its `networks` bucket, its exec session ids,
each volume's raw `config` and `state`, and podman's tmp dir. It parses only what identifies a
container (id, name, state number, run dir); everything else stays bytes, so that the engine
can tell whether anything podman would show changed (`ContainerRecord.fingerprint`).

What the database does not hold and podman's CLI looks at before it answers:
- a container whose process exited is still `running` in the database until a podman process
  reads conmon's exit file `<tmp dir>/exits/<id>` (libpod checkExitFile);
- the healthcheck log lives beside the run dir (`healthcheck.log`, libpod healthCheckLogPath).
Both are stat()ed into the fingerprint. A record keeps what is stored in two parts: `setup`
(config, networks, dependencies: what podman changes on create, rename, connect) and
`state` (the state JSON, the network namespace and exec sessions: what changes as the
container runs).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from dockershim.podman.boltstate import BoltError, BoltFile, Bucket, is_leaf, leaf_entries
from dockershim.podman.statedb import StateBusy, locked

# libpod/define/containerstate.go, and the names podman prints for them
STATUS_NAMES = (
    "unknown", "created", "initialized", "running", "stopped", "paused", "exited", "removing",
    "stopping",
)  # fmt: skip
RUNNING, PAUSED, STOPPING = 3, 5, 8


class StateUnreadable(Exception):
    """The database is not one this reader knows (another format, busy, or corrupt)."""


class StateLocked(StateUnreadable):
    """A podman process holds the database (for writing) right now."""


@dataclass(frozen=True)
class ContainerRecord:
    id: str
    name: str
    status: str  # podman's word: created, initialized, running, stopped, paused, exited, ...
    run_dir: str
    setup: bytes = field(repr=False)  # as stored: config, networks, dependencies
    # as stored: the state JSON, the network namespace and the exec session ids (the netns
    # comes and goes with each start and stop: state, not setup)
    state: bytes = field(repr=False)
    exit_code: int = 0
    networks: tuple[str, ...] = ()  # podman's names of the networks it is connected to
    config: bytes = field(default=b"{}", repr=False)  # parsed only when asked (below)
    netns: str = ""  # the path of its network namespace while it has one
    # its bucket's page as read, when that one leaf holds all of it (b"": it does not): the
    # next snapshot reuses this record while the page reads the same
    page: bytes = field(default=b"", repr=False, compare=False)

    @functools.cached_property
    def stored_digest(self) -> bytes:
        """A digest of everything stored of it (a snapshot's records are reused while the
        database is unchanged, so each is hashed once, not on every list)."""
        digest = hashlib.blake2b(self.setup, digest_size=16)
        digest.update(b"\1" + self.state + b"\1")
        return digest.digest()

    @functools.cached_property
    def config_json(self) -> dict[str, Any]:
        parsed = json.loads(self.config or b"{}")
        return parsed if isinstance(parsed, dict) else {}

    @property
    def tty(self) -> bool:
        """The OCI spec's process.terminal."""
        return bool(((self.config_json.get("spec") or {}).get("process") or {}).get("terminal"))

    @property
    def open_stdin(self) -> bool:
        return bool(self.config_json.get("stdin"))

    @property
    def annotations(self) -> dict[str, str]:
        found = (self.config_json.get("spec") or {}).get("annotations") or {}
        return {str(k): str(v) for k, v in found.items()}

    @property
    def state_json(self) -> dict[str, Any]:
        """The stored state (libpod ContainerState), parsed."""
        state = json.loads(self.state.split(b"\0", 1)[0] or b"{}")
        return state if isinstance(state, dict) else {}

    @property
    def active(self) -> bool:
        """Running or paused: what Docker lists without `all`."""
        return self.status in ("running", "paused", "stopping")


@dataclass(frozen=True)
class VolumeRecord:
    """A volume's stored `config` and `state` JSON, as podman wrote them (b"" when absent),
    and the containers podman records as using it (its `vol-dependencies`, those that still
    exist: what podman's VolumeInUse answers, and its `dangling` filter and `system df` use)."""

    config: bytes
    state: bytes
    users: tuple[str, ...] = ()

    def inspect(self) -> dict[str, Any] | None:
        """What podman's `volume inspect` and `volume ls` print for this volume, as podman 4.x
        builds it from these two values alone (libpod/volume_inspect.go), for a volume of the
        local driver; None for one whose answer comes from its driver (a plugin's mount point
        and status) or a record that does not read as podman 4's."""
        try:
            config, state = json.loads(self.config), json.loads(self.state or b"{}")
        except ValueError:
            return None
        if not isinstance(config, dict) or not isinstance(state, dict):
            return None
        driver = config.get("volumeDriver") or ""
        if driver not in ("", "local") or not isinstance(config.get("name"), str):
            return None
        data: dict[str, Any] = {
            "Name": config["name"],
            "Driver": driver,
            "Mountpoint": config.get("mountPoint") or "",
            "CreatedAt": config.get("createdAt") or "0001-01-01T00:00:00Z",
            "Labels": dict(config.get("labels") or {}),
            "Scope": "local",
            "Options": dict(config.get("volumeOptions") or {}),
        }
        # Go's omitempty: zero values are left out, as podman prints them
        optional = {
            "UID": state.get("uidChowned") or config.get("uid"),
            "GID": state.get("gidChowned") or config.get("gid"),
            "Anonymous": config.get("isAnon"),
        }
        data.update((k, v) for k, v in optional.items() if v)
        data["MountCount"] = state.get("mountCount") or 0
        optional = {
            "NeedsCopyUp": state.get("notYetMounted"),
            "NeedsChown": state.get("notYetChowned"),
            "Timeout": config.get("timeout"),
            "StorageID": config.get("storageID"),
        }
        data.update((k, v) for k, v in optional.items() if v)
        return data


@dataclass(frozen=True)
class Snapshot:
    containers: dict[str, ContainerRecord]
    names: dict[str, str]  # name -> id
    volumes: dict[str, VolumeRecord]  # name -> its record, in podman's (name) order
    tmp_dir: str

    def exit_file(self, container_id: str) -> str:
        return os.path.join(self.tmp_dir, "exits", container_id)

    def status_now(self, record: ContainerRecord) -> str:
        """The status podman would report: an exit file makes a running container stopped."""
        if self.exit_pending(record):
            return "stopped"
        return record.status

    def exit_pending(self, record: ContainerRecord) -> bool:
        """Exited, but no podman process has read the exit file yet (it will on its next look)."""
        return record.active and os.path.exists(self.exit_file(record.id))

    def health_log(self, record: ContainerRecord) -> str:
        return os.path.join(os.path.dirname(record.run_dir), "healthcheck.log")

    def health_mark(self, record: ContainerRecord) -> str:
        if not record.run_dir:
            return ""
        try:
            st = os.stat(self.health_log(record))
        except OSError:
            return ""
        return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"

    def fingerprint(self, record: ContainerRecord) -> str:
        """Changes whenever anything `podman container inspect` shows of it may have changed."""
        digest = hashlib.blake2b(record.stored_digest, digest_size=16)
        digest.update(b"exited" if self.exit_pending(record) else b"-")
        digest.update(self.health_mark(record).encode())
        return digest.hexdigest()


# The last snapshot of each database, with the file and transaction it came from: bbolt gives
# every committed write transaction a higher txid (in the live meta page), so while file and
# txid are the same, so is every byte a snapshot reads; a hot read then costs two preads.
# (The mtime too: a file made anew, e.g. after `podman system reset`, on a reused inode.)
_LAST: dict[str, tuple[tuple[int, int, int, int], Snapshot]] = {}


def snapshot(path: str, wait: float = 2.0) -> Snapshot:
    """One consistent read of the database; StateUnreadable when it cannot be read."""
    try:
        with locked(path, exclusive=False, wait=wait) as fd:
            db = BoltFile(fd)
            st = os.fstat(fd)
            mark = (st.st_dev, st.st_ino, st.st_mtime_ns, db.meta.txid)
            last = _LAST.get(path)
            if last is not None and last[0] == mark:
                return last[1]
            read = _read(db, last[1] if last is not None else None)
            _LAST[path] = (mark, read)
            return read
    except (BoltError, OSError, ValueError, KeyError, TypeError) as exc:
        raise StateUnreadable(str(exc)) from exc
    except StateBusy as exc:
        raise StateLocked(str(exc)) from exc
    except Exception as exc:  # a DockerError: reported as unreadable this time
        raise StateUnreadable(str(exc)) from exc


def _read(db: BoltFile, earlier: Snapshot | None = None) -> Snapshot:
    """Every record; one whose bucket page reads as in `earlier` is that snapshot's record
    (walking a container's entries is ~25 us of Python, and every change to any container
    makes the next read walk them all: 100 containers, 2.5 ms per request)."""
    top = db.top_buckets()
    runtime = _values(db, top.get(b"runtime-config"))
    ctr = top.get(b"ctr")
    # podman's own name index (libpod's lookups use it too): no config needs parsing for it
    by_id = {v.decode(): k.decode() for k, v in _values(db, top.get(b"name-registry")).items()}
    containers: dict[str, ContainerRecord] = {}
    names: dict[str, str] = {}
    for entry in db.entries(ctr) if ctr is not None else []:
        if entry.bucket is None:
            continue
        ident = entry.key.decode()
        name = by_id.get(ident)
        page = _leaf_page(db, entry.bucket)
        last = earlier.containers.get(ident) if earlier is not None else None
        if last is not None and last.page and last.page == page and name in (None, last.name):
            record = last
        else:
            record = _container(db, ident, entry.bucket, name, page)
        containers[record.id] = record
        names[record.name] = record.id
    vol = top.get(b"vol")
    volumes: dict[str, VolumeRecord] = {}
    for entry in db.entries(vol) if vol is not None else []:
        if entry.bucket is not None:
            stored: dict[bytes, bytes] = {}
            users: list[str] = []
            for item in db.entries(entry.bucket):
                if item.bucket is None:
                    stored[item.key] = item.value
                elif item.key == b"vol-dependencies":
                    users += (d.key.decode() for d in db.entries(item.bucket))
            volumes[entry.key.decode()] = VolumeRecord(
                stored.get(b"config", b""),
                stored.get(b"state", b""),
                tuple(u for u in users if u in containers),
            )
    return Snapshot(containers, names, volumes, runtime.get(b"tmp-dir", b"").decode())


def _values(db: BoltFile, bucket: Bucket | None) -> dict[bytes, bytes]:
    if bucket is None:
        return {}
    return {e.key: e.value for e in db.entries(bucket) if e.bucket is None}


def _leaf_page(db: BoltFile, bucket: Bucket) -> bytes:
    """The bytes of a bucket that fit one (leaf) page, overflow included; b"" otherwise."""
    if bucket.inline is not None:
        return bucket.inline  # an inline bucket has no nested buckets (bbolt's inlineable)
    page = db.page(bucket.root)
    return page if is_leaf(page) else b""


def _container(
    db: BoltFile, ident: str, bucket: Bucket, name: str | None, page: bytes
) -> ContainerRecord:
    values: dict[bytes, bytes] = {}
    setup: list[bytes] = []
    execs: list[bytes] = []
    networks: list[str] = []
    entries = leaf_entries(page) if page else db.entries(bucket)  # in key order
    if any(e.bucket is not None and e.bucket.inline is None for e in entries):
        page = b""  # a nested bucket on pages of its own: the page alone does not show it
    for entry in entries:
        if entry.bucket is None:
            values[entry.key] = entry.value
            if entry.key not in (b"state", b"netns"):
                setup += [entry.key, entry.value]
        else:
            side = execs if entry.key == b"exec" else setup
            for item in db.entries(entry.bucket):
                side += [entry.key, item.key, item.value]
                if entry.key == b"networks":
                    networks.append(item.key.decode())
    state = json.loads(values.get(b"state") or b"{}")
    number = int(state.get("state") or 0)
    status = STATUS_NAMES[number] if 0 <= number < len(STATUS_NAMES) else "unknown"
    record = ContainerRecord(
        id=ident,
        name=name or "",
        status=status,
        run_dir=str(state.get("runDir") or ""),
        setup=b"\0".join(setup),
        state=b"\0".join([values.get(b"state", b""), b"netns", values.get(b"netns", b""), *execs]),
        exit_code=int(state.get("exitCode") or 0),
        networks=tuple(networks),
        config=values[b"config"],
        netns=values.get(b"netns", b"").decode("utf-8", "replace"),
        page=page,
    )
    if name is None:  # not in the name index (a file of another layout): from the config
        record = dataclasses.replace(record, name=str(record.config_json.get("name") or ""))
    return record
