"""What a create argv asks of the host, as podman 4.3's CLI puts it in a specgen (pkg/specgenutil
FillOutSpecGen and setNamespaces): --log-driver, --log-opt, --sysctl, --device, --ipc, --pid
and --uts (translate/specgen.py carries the rest of the argv).

Only the shapes translate/container_hostconfig.py writes for Docker's fields, in forms both
sides read alike, are carried over. The rest stays with the CLI: the journald driver (it needs
a journal to prove it on), sizes it reads in a way of its own, values its CSV list flags would
split, sysctls it refuses (so its error stays the answer), `ns:` paths and user namespaces.
"""

from __future__ import annotations

import re
from typing import Any

FLAGS = {
    "--log-driver", "--log-opt", "--sysctl", "--device", "--ipc", "--pid", "--uts", "--cgroupns",
}  # fmt: skip

# go-units FromHumanSize, decimal (max-size=10m is 10,000,000 bytes for podman); the forms
# with an `i` or a fraction are left to the CLI
_SIZE = re.compile(r"(?P<number>[0-9]+)(?P<unit>[kKmMgGtTpP]?)[bB]?")
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
# pkg/util ValidateSysctls: the namespaced kernel parameters podman lets a container set
_SYSCTLS = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
}  # fmt: skip
_SYSCTL_PREFIXES = ("net.", "fs.mqueue.")
# Docker's namespace modes, as specgen.ParseNamespace / ParseIPCNamespace read them
_MODES = {
    "--ipc": ("ipcns", {"host", "private", "shareable", "none"}),
    "--pid": ("pidns", {"host", "private"}),
    "--uts": ("utsns", {"host", "private"}),
    # the CLI reads --cgroupns with ParseNamespace too (its cgroup-version default is the
    # service's as well: an absent field)
    "--cgroupns": ("cgroupns", {"host", "private"}),
}


class SpecgenHost:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def add(self, flag: str, value: str) -> bool:
        """Take one option; False when the CLI has to read it."""
        if flag == "--log-driver":
            if value != "none":
                return False
            self._log()["driver"] = value
            return True
        if flag == "--log-opt":
            return self._log_option(value)
        if flag == "--sysctl":
            key, _, setting = value.partition("=")
            if not _is_sysctl(key, setting) or _splits(value):
                return False
            self.fields.setdefault("sysctl", {})[key] = setting
            return True
        if flag == "--device":
            # the whole `HOST[:CONTAINER[:PERMISSIONS]]` is the path: podman splits it later
            if not value.startswith("/") or _splits(value):
                return False
            self.fields.setdefault("devices", []).append({"path": value})
            return True
        if flag in _MODES:
            key, modes = _MODES[flag]
            mode = namespace(value, modes)
            if mode is None:
                return False
            self.fields[key] = mode
            return True
        return False

    def _log(self) -> dict[str, Any]:
        config: dict[str, Any] = self.fields.setdefault("log_configuration", {})
        return config

    def _log_option(self, value: str) -> bool:
        key, sep, setting = value.partition("=")
        if not sep or _splits(value):
            return False
        if key == "max-size":
            size = _SIZE.fullmatch(setting)
            if size is None:
                return False
            limit = int(size["number"]) * _UNITS[size["unit"].lower()]
            if limit >= 1 << 53:  # the CLI computes it in a float64
                return False
            self._log()["size"] = limit
            return True
        return False  # a tag comes with journald only, which stays with the CLI


def _splits(value: str) -> bool:
    """The CLI reads these flags as CSV: a comma or a quote would change the value."""
    return "," in value or '"' in value


def _is_sysctl(key: str, setting: str) -> bool:
    """What ValidateSysctls takes: a namespaced key, one `=`, no spaces around either side."""
    if not key or "=" in setting or key != key.strip() or setting != setting.strip():
        return False
    return key in _SYSCTLS or key.startswith(_SYSCTL_PREFIXES)


def namespace(value: str, modes: set[str]) -> dict[str, str] | None:
    """A Docker namespace mode (one of `modes`, or `container:NAME`) as the specgen's
    Namespace, as specgen.ParseNamespace reads it; None for any other value."""
    if value in modes:
        return {"nsmode": value}
    peer = value.removeprefix("container:")
    if peer != value and peer and ":" not in peer:
        return {"nsmode": "container", "value": peer}
    return None
