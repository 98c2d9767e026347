"""The process options of a create argv as podman 4.3's CLI puts them in a specgen
(pkg/specgenutil FillOutSpecGen): --security-opt, --ulimit, --group-add, --shm-size,
--stop-signal and --oom-score-adj (translate/specgen.py carries the rest of the argv).

Only the shapes translate/container_hostconfig.py and container_create.py write, in the forms
both sides read alike, are carried over (a seccomp profile as the file the engine wrote: the
service reads it as the CLI would). `keep-groups`, `host` ulimits, sizes with other units or
a real-time signal name are left to the CLI.
"""

from __future__ import annotations

import signal
from typing import Any

# the annotations the CLI adds for security options (libpod/define/annotations.go)
_APPARMOR = "io.podman.annotations.apparmor"
_LABEL = "io.podman.annotations.label"
_SECCOMP = "io.podman.annotations.seccomp"
# Go's strconv.ParseBool, which reads `no-new-privileges=VALUE`
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
# go-units' ulimit names (ParseUlimit refuses others)
_ULIMITS = {
    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
    "rss", "rtprio", "rttime", "sigpending", "stack",
}  # fmt: skip
# containers/common's signal names without the real-time ones; numbers as this kernel has them
_SIGNALS = (
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
    "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
    "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
)  # fmt: skip

FLAGS = {
    "--security-opt", "--ulimit", "--group-add", "--shm-size", "--stop-signal", "--oom-score-adj",
}  # fmt: skip


class SpecgenProcess:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.annotations: dict[str, str] = {}

    def add(self, flag: str, value: str) -> bool:
        """Take one option; False when the CLI has to read it."""
        if flag == "--security-opt":
            return self._security(value)
        if flag == "--ulimit":
            limit = _ulimit(value)
            if limit is None:
                return False
            self.fields.setdefault("r_limits", []).append(limit)
            return True
        if flag == "--group-add":
            # a list flag the CLI reads as CSV; keep-groups is an annotation of its own
            if not value or any(c in value for c in ',"') or value == "keep-groups":
                return False
            self.fields.setdefault("groups", []).append(value)
            return True
        if flag == "--shm-size":
            digits = value.removesuffix("b")
            if digits == value or not (digits.isascii() and digits.isdigit()) or not int(digits):
                return False
            self.fields["shm_size"] = int(digits)
            return True
        if flag == "--oom-score-adj":
            digits = value.removeprefix("-")
            if not (digits.isascii() and digits.isdigit()) or abs(int(value)) > 1000:
                return False
            self.fields["oom_score_adj"] = int(value)
            return True
        if flag == "--stop-signal":
            number = _signal(value)
            if number is None:
                return False
            self.fields["stop_signal"] = number
            return True
        return False

    def _security(self, value: str) -> bool:
        """One --security-opt as the CLI reads it (a string array: no splitting at commas)."""
        if value == "no-new-privileges":
            self.fields["no_new_privileges"] = True
            return True
        key, sep, val = value.partition("=")
        if not sep:
            return False
        if key == "no-new-privileges":
            if val not in _TRUE | _FALSE:
                return False
            self.fields["no_new_privileges"] = val in _TRUE
        elif key == "seccomp":
            # unconfined, or a client's profile in dockershim's own file (engine/seccomp_files.py)
            if val != "unconfined" and not val.startswith("/"):
                return False
            self.fields["seccomp_profile_path"] = val
            self.annotations[_SECCOMP] = val
        elif key == "apparmor":
            self.fields["apparmor_profile"] = val
            self.annotations[_APPARMOR] = val
        elif key == "label":
            labels = self.fields.setdefault("selinux_opts", [])
            labels.append(val)
            self.annotations[_LABEL] = ",label=".join(labels)
        elif key == "unmask":
            self.fields.setdefault("unmask", []).append(val)
        elif key == "systempaths":
            if val != "unconfined":
                return False
            self.fields.setdefault("unmask", []).append("ALL")
        elif key == "mask":
            self.fields.setdefault("mask", []).extend(val.split(":"))
        else:
            return False
        return True


def _ulimit(value: str) -> dict[str, Any] | None:
    """`NAME=SOFT:HARD` or `NAME=LIMIT` with 0 <= SOFT <= HARD, as the specgen's rlimit."""
    name, sep, limits = value.partition("=")
    if not sep or name not in _ULIMITS or "," in value:
        return None
    soft_text, _, hard_text = limits.partition(":")
    hard_text = hard_text or soft_text
    if not all(t.isascii() and t.isdigit() for t in (soft_text, hard_text)):
        return None
    soft, hard = int(soft_text), int(hard_text)
    if soft > hard or hard >= 1 << 63:
        return None
    return {"type": name, "soft": soft, "hard": hard}


def _signal(value: str) -> int | None:
    """containers/common ParseSignal: a number (not 0), or a name with or without SIG."""
    if value.isascii() and value.isdigit():
        number = int(value)
        return number if 0 < number <= 64 else None  # Linux's signals
    name = value.upper().removeprefix("SIG")
    if not value.isascii() or name not in _SIGNALS:
        return None
    return int(getattr(signal, "SIG" + name))
