"""HostConfig.SecurityOpt -> podman's --security-opt values.

The docker CLI reads a seccomp profile file itself and sends its JSON inside the option
(`seccomp={...}`); dockerd never reads a path there. podman reads a path, so a profile goes
into the argv as a `SeccompProfile`: the engine writes it to a file of its own for the create
and removes it after (podman keeps the profile in the container's spec; engine/lifecycle.py).
"""

from __future__ import annotations

import json

from dockershim.errors import InvalidParameter
from dockershim.translate.container_fields import no_option, str_list

# a profile is echoed back by inspect (as dockerd does) through an annotation on podman's
# command line, where one argument may hold at most 128 KiB; Docker's default profile is ~20 KiB
MAX_PROFILE = 64 * 1024
_FIELD = "HostConfig.SecurityOpt"


class SeccompProfile(str):
    """`seccomp=PROFILE-JSON` in a create argv: the engine puts the JSON in a file and this
    value becomes `seccomp=FILE`."""

    @property
    def profile(self) -> str:
        return self.removeprefix("seccomp=")


def security_flags(options: object) -> list[str]:
    argv: list[str] = []
    for opt in str_list(options, _FIELD):
        # dockerd still reads the deprecated KEY:VALUE form
        value = no_option(opt.replace(":", "=", 1) if "=" not in opt else opt, _FIELD)
        key, _, setting = value.partition("=")
        if key == "seccomp" and setting == "builtin":
            continue  # dockerd's name for its default profile; podman's default is its own
        if key == "seccomp" and setting != "unconfined":
            argv += ["--security-opt", SeccompProfile("seccomp=" + _profile(setting))]
            continue
        argv += ["--security-opt", value]
    return argv


def _profile(text: str) -> str:
    """The profile JSON as podman will read it: an object, compact, within MAX_PROFILE."""
    try:
        profile = json.loads(text)
    except ValueError as exc:
        raise InvalidParameter(f"Decoding seccomp profile failed: {exc}") from None
    if not isinstance(profile, dict):
        raise InvalidParameter("Decoding seccomp profile failed: not a JSON object")
    compact = json.dumps(profile, separators=(",", ":"))
    if len(compact.encode()) > MAX_PROFILE:
        raise InvalidParameter(
            f"seccomp profile too large: dockershim takes at most {MAX_PROFILE // 1024} KiB"
        )
    return compact
