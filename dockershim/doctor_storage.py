"""The doctor's storage check: which driver podman uses and, on vfs, whether overlay would work
here and the exact commands that switch to it.

vfs copies a whole image for every container and a whole layer for every build step; overlay
shares layers. Rootless overlay works natively when the kernel mounts overlayfs inside a user
namespace (Linux >= 5.11), else through fuse-overlayfs (`mount_program`). Switching drivers
needs `podman system reset`, which removes every container, image and volume of the user:
images must be pulled (or built) again. The verdicts and the config edits are pure functions;
`overlay_support()` does the probing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from typing import Literal

from dockershim.doctor_findings import Finding, note, ok

Overlay = Literal["native", "fuse", ""]
FUSE_OVERLAYFS = "/usr/bin/fuse-overlayfs"


def storage_conf_path(env: dict[str, str], home: str) -> str:
    if env.get("CONTAINERS_STORAGE_CONF"):
        return env["CONTAINERS_STORAGE_CONF"]
    config_home = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return os.path.join(config_home, "containers", "storage.conf")


def _table_span(lines: list[str], table: str) -> tuple[int, int] | None:
    """(header index, end index) of `[table]` in the file's lines, None when absent."""
    start = None
    for i, line in enumerate(lines):
        header = re.fullmatch(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?", line)
        if header and start is not None:
            return start, i
        if header and header.group(1) == table:
            start = i
    return None if start is None else (start, len(lines))


def toml_set(text: str, table: str, key: str, value: str) -> str:
    """The file's text with `key = "value"` in `[table]` (replaced, added, or a new table)."""
    lines = text.splitlines()
    entry = f'{key} = "{value}"'
    span = _table_span(lines, table)
    if span is None:
        prefix = "\n".join(lines).rstrip("\n")
        return (prefix + "\n\n" if prefix else "") + f"[{table}]\n{entry}\n"
    start, end = span
    for i in range(start + 1, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            lines[i] = entry
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, entry)
    return "\n".join(lines) + "\n"


def overlay_conf(text: str, overlay: Overlay) -> str:
    text = toml_set(text, "storage", "driver", "overlay")
    if overlay == "fuse":
        text = toml_set(text, "storage.options.overlay", "mount_program", FUSE_OVERLAYFS)
    return text


def switch_commands(conf: str, text: str, overlay: Overlay) -> str:
    """Reset while podman still reads the vfs config (after the edit it refuses to open the
    old store), then write the edited file whole: one exact command line to copy (the file's
    newlines become printf escapes)."""
    content = overlay_conf(text, overlay)
    fmt = content.replace("\\", "\\\\").replace("%", "%%").replace("\n", "\\n")
    folder = shlex.quote(os.path.dirname(conf) or ".")
    write = f"printf {shlex.quote(fmt)} > {shlex.quote(conf)}"
    return f"podman system reset --force && mkdir -p {folder} && {write}"


def check_storage(info: dict[str, object], overlay: Overlay, conf: tuple[str, str]) -> Finding:
    store = info.get("store")
    store = store if isinstance(store, dict) else {}
    driver = str(store.get("graphDriverName", "")) or "unknown"
    options = store.get("graphOptions")
    if driver == "overlay":
        fuse = isinstance(options, dict) and any("mount_program" in str(k) for k in options)
        return ok(f"storage driver overlay ({'fuse-overlayfs' if fuse else 'native'})")
    if driver != "vfs":
        return ok(f"storage driver {driver}")
    slow = "storage driver vfs: works, but every container and build step copies whole layers"
    if not overlay:
        return note(
            f"{slow}; overlay is not available here (no overlayfs in user namespaces, "
            "no usable fuse-overlayfs)",
            "apt-get install fuse-overlayfs (as root; and /dev/fuse mode 0666), then doctor again",
        )
    how = "natively" if overlay == "native" else "through fuse-overlayfs"
    return note(
        f"{slow}; overlay works on this host ({how}). Switching removes all your containers, "
        "images and volumes: images must be pulled or built again",
        switch_commands(*conf, overlay),
    )


def overlay_support() -> Overlay:
    """Mount an overlay in a fresh user namespace, as rootless podman would; else fuse."""
    unshare = shutil.which("unshare")
    if unshare:
        with tempfile.TemporaryDirectory(prefix="dockershim-overlay-") as tmp:
            dirs = {name: os.path.join(tmp, name) for name in ("l", "u", "w", "m")}
            for path in dirs.values():
                os.mkdir(path)
            opts = f"lowerdir={dirs['l']},upperdir={dirs['u']},workdir={dirs['w']}"
            argv = [unshare, "--user", "--map-root-user", "--mount"]
            argv += ["mount", "-t", "overlay", "overlay", "-o", opts, dirs["m"]]
            try:
                done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
            except (OSError, subprocess.TimeoutExpired):
                done = None
            if done is not None and done.returncode == 0:
                return "native"
    fuse = shutil.which("fuse-overlayfs")
    if fuse and os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "fuse"
    return ""
