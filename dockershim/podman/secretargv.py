"""Client secrets off podman's command line, which every local user can read in /proc.

A `--env` value marked `Secret` goes into an env file that exists only in memory (a memfd,
passed to podman as /dev/fd/N, readable by the user alone, gone when podman exits), as
`--env-file`: create, run and exec read it. A `--build-arg NAME=value` marked `Secret` becomes
`--build-arg NAME` with the value in podman's environment (buildah then takes it from there;
podman 4.3 build has no file for build arguments), unless NAME is one podman, its libraries or
the loader read themselves (LD_PRELOAD, PATH, proxies, ...). What no channel can carry (a value
with a newline in an env file; such names) stays on the command line, as before, and is
redacted from logs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from dockershim.secret import Secret

_ENV_NAME = re.compile(r"^[^\s=#][^\s=]*$")
_ARG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Variables that change how podman, Go, glibc or the container libraries behave.
_PODMAN_READS = re.compile(
    r"^(?:LD_|GO|GCONV|CONTAINER|BUILDAH|BUILDKIT|PODMAN|STORAGE|REGISTR|XDG_|DBUS_|SSL_|TMP|"
    r"TEMP|LANG|LC_|TERM|LISTEN_|SYSTEMD|DOCKER|MALLOC|GLIBC|OCI|RUNC|CRUN|CONMON|SLIRP|"
    r"NETAVARK|CNI|ROOTLESS|NOTIFY_SOCKET$|PATH$|HOME$|USER$|LOGNAME$|SHELL$|TZ$|LOCPATH$|"
    r"NLSPATH$|HOSTALIASES$|RES_OPTIONS$|LOCALDOMAIN$|(?:HTTPS?|FTP|NO|ALL)_PROXY$)",
    re.I,
)


@dataclass
class Concealed:
    argv: list[str]
    shown: list[str]  # argv with every remaining secret value redacted, for logs and errors
    env: dict[str, str] = field(default_factory=dict)
    fds: list[int] = field(default_factory=list)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()


def _env_line(value: str) -> str | None:
    """`value` as an env-file line podman 4.3 reads back unchanged, or None."""
    name, _, rest = value.partition("=")
    if not _ENV_NAME.match(name) or "\n" in rest or rest.endswith("\r") or "\x00" in value:
        return None
    return f"{name}={rest}\n"


def _redacted(value: str) -> str:
    return value.partition("=")[0] + "=<redacted>"


def conceal(argv: list[str]) -> Concealed:
    out: list[str] = []
    shown: list[str] = []
    lines: list[str] = []
    env: dict[str, str] = {}
    file_at = -1
    i = 0
    while i < len(argv):
        flag, value = argv[i], argv[i + 1] if i + 1 < len(argv) else ""
        if flag == "--env" and isinstance(value, Secret):
            line = _env_line(value)
            if line is not None:
                lines.append(line)
                file_at = len(out) if file_at < 0 else file_at
                i += 2
                continue
        if flag == "--build-arg" and isinstance(value, Secret):
            name, _, rest = value.partition("=")
            if _ARG_NAME.match(name) and not _PODMAN_READS.match(name) and "\x00" not in rest:
                env[name] = rest
                out += [flag, name]
                shown += [flag, name]
                i += 2
                continue
        out.append(flag)
        shown.append(_redacted(flag) if isinstance(flag, Secret) else flag)
        i += 1
    concealed = Concealed(out, shown, env)
    if lines:
        fd = os.memfd_create("dockershim-env", os.MFD_CLOEXEC)
        concealed.fds.append(fd)
        data = "".join(lines).encode()
        while data:
            data = data[os.write(fd, data) :]
        pair = ["--env-file", f"/dev/fd/{fd}"]
        concealed.argv[file_at:file_at] = pair
        concealed.shown[file_at:file_at] = pair
    return concealed
