"""Settings of containers.conf the engine needs: what podman's CLI applies to a create and its
service does not, and where podman's event log is.

podman's `create` fills some specgen fields from containers.conf itself (cmd/podman/common);
a create sent to the libpod API (engine/changes.py) gets the API's own defaults instead. So the
engine reads the same files, in the order containers/common 0.50 (podman 4.3) merges them, and
puts the value in the specgen. Today that is `engine.image_volume_mode`: what becomes of an
image's VOLUMEs (`bind`, which the CLI turns into `anonymous`, `tmpfs` or `ignore`).

The files: `$CONTAINERS_CONF` alone when set; else /usr/share/containers/containers.conf,
/etc/containers/containers.conf, its `.d/*.conf`, and for a user other than root
`$XDG_CONFIG_HOME/containers/containers.conf` (or `~/.config/...`) and its `.d/*.conf`, each
later file's keys over the earlier ones'. A file podman could not read (bad TOML, a value it
refuses) answers None: the CLI then creates the container, and says what is wrong.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

SYSTEM_FILES = ("/usr/share/containers/containers.conf", "/etc/containers/containers.conf")
# the values containers.conf may hold, and what the CLI sends for each (another value: None)
_IMAGE_VOLUME_MODES = {"": "anonymous", "bind": "anonymous", "tmpfs": "tmpfs", "ignore": "ignore"}
_DEFAULT_IMAGE_VOLUME_MODE = "bind"  # containers/common's default

Stamp = tuple[tuple[str, int, int], ...]


def config_files(
    env: Mapping[str, str], *, root: bool, system: Sequence[str] = SYSTEM_FILES
) -> list[Path]:
    """The containers.conf files podman reads, in the order it merges them."""
    chosen = env.get("CONTAINERS_CONF")
    if chosen:
        return [Path(chosen)]
    files = [Path(p) for p in system if os.path.isfile(p)]
    files += _drop_ins(Path(system[-1] + ".d"))
    if not root:
        home = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or "~", ".config")
        user = Path(os.path.expanduser(home), "containers", "containers.conf")
        if user.is_file():
            files.append(user)
        files += _drop_ins(Path(f"{user}.d"))
    return files


def _drop_ins(folder: Path) -> list[Path]:
    """`*.conf` files right in `folder` (not below), sorted by path."""
    with contextlib.suppress(OSError):
        return sorted(p for p in folder.iterdir() if p.name.endswith(".conf") and p.is_file())
    return []


def _engine_tables(files: Sequence[Path]) -> list[dict[str, object]] | None:
    """The `[engine]` table of each file, in podman's merge order ({} for a file without
    one); None when a file cannot be read (podman would refuse it too)."""
    tables: list[dict[str, object]] = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        engine = data.get("engine")
        tables.append(engine if isinstance(engine, dict) else {})
    return tables


def image_volume_mode(files: Sequence[Path]) -> str | None:
    """The specgen's `image_volume_mode` the CLI would send; None when podman could not read
    the files (the CLI must create, and report it)."""
    tables = _engine_tables(files)
    if tables is None:
        return None
    mode = _DEFAULT_IMAGE_VOLUME_MODE
    for engine in tables:
        if "image_volume_mode" in engine:
            value = engine["image_volume_mode"]
            if not isinstance(value, str):
                return None  # podman refuses the file
            mode = value
    return _IMAGE_VOLUME_MODES.get(mode)


def events_log_path(files: Sequence[Path], runtime_dir: str) -> str | None:
    """The file podman's `file` event logger appends to: `engine.events_logfile_path`, else
    `events/events.log` in `engine.tmp_dir` (a rootless user's default:
    `$XDG_RUNTIME_DIR/libpod/tmp`, as libpod sets it); None when the files cannot be read or
    a value is one podman may expand (then ask podman)."""
    tables = _engine_tables(files)
    if tables is None:
        return None
    values: dict[str, str] = {}
    for engine in tables:
        for key in ("events_logfile_path", "tmp_dir"):
            if key in engine:
                value = engine[key]
                if not isinstance(value, str) or "$" in value or not value.startswith("/"):
                    return None
                values[key] = value
    if "events_logfile_path" in values:
        return values["events_logfile_path"]
    if not runtime_dir.startswith("/"):
        return None
    tmp_dir = values.get("tmp_dir") or os.path.join(runtime_dir, "libpod", "tmp")
    return os.path.join(tmp_dir, "events", "events.log")


class ContainersConf:
    """The user's containers.conf settings the engine needs, read again when a file changes."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._stamp: Stamp | None = None
        self._mode: str | None = None
        self._events_log: str | None = None

    def image_volume_mode(self) -> str | None:
        self._read()
        return self._mode

    def events_log_path(self) -> str | None:
        """Where podman's file event logger writes for this user (None: ask podman); the
        shim runs rootless, as the user whose events they are."""
        self._read()
        return self._events_log

    def _read(self) -> None:
        env = self._env if self._env is not None else os.environ
        root = os.geteuid() == 0
        files = config_files(env, root=root)
        stamp = _stamp(files)
        if stamp == self._stamp:
            return
        self._mode = image_volume_mode(files)
        # root's podman keeps its events elsewhere: not this reader's case
        runtime_dir = env.get("XDG_RUNTIME_DIR") or ""
        self._events_log = None if root else events_log_path(files, runtime_dir)
        self._stamp = stamp


def _stamp(files: Sequence[Path]) -> Stamp:
    marks = []
    for path in files:
        try:
            seen = path.stat()
        except OSError:
            marks.append((str(path), -1, -1))
            continue
        marks.append((str(path), seen.st_mtime_ns, seen.st_size))
    return tuple(marks)
