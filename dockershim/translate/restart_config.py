"""Rewrite the restart policy inside podman's stored container config, at the same length.

Podman 4.x stores a container's config as one JSON object (libpod's ContainerConfig) in its
BoltDB state; `restart_policy` (string) and `restart_retries` (uint) are top-level members, both
omitempty (absent = "no" / 0). engine/restart_policy.py overwrites that value in place, so the
new text must have exactly the length of the old one. This module computes it, textually:

- every member other than the two restart ones keeps its raw text byte for byte (no
  re-serialisation: Go's escaping and number formatting differ from Python's);
- the restart members are removed and the new ones added where the old policy stood (or at
  the end); "no" is written as no member at all, retries 0 likewise (as Go's omitempty does);
- when the text grew, top-level members holding a zero value are dropped until it fits. Go's
  decoder fills a freshly allocated struct, so dropping `null` never changes what podman reads;
  `false`, `0` and `""` are dropped only for the members listed in `_VALUE_TYPED`, which
  podman 4.x declares as plain (non-pointer) bool/int/string fields: for a pointer field
  (`passwd`, `systemd`, `healthMaxLogCount`... are `*bool`/`*uint`) an explicit `false` or `0`
  differs from absent, so those are never touched;
- the result is padded with spaces (whitespace after a JSON value is valid for Go's decoder).
If it cannot fit, RestartConfigError is raised and nothing is to be written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dockershim.errors import DockerError

# Docker's MaximumRetryCount is a Go int: dockerd's JSON decoder refuses anything larger.
MAX_RETRIES = 2**63 - 1
POLICY_KEY = "restart_policy"
RETRIES_KEY = "restart_retries"
_RESTART_KEYS = (POLICY_KEY, RETRIES_KEY)
_WHITESPACE = b" \t\r\n"
_ZERO_VALUES = (b"false", b"0", b'""')
# Non-pointer bool/integer/string members of podman 4.x's ContainerConfig (libpod
# container_config.go) that podman writes even when zero (no omitempty).
_VALUE_TYPED = frozenset(
    {
        "lockID",
        "privileged",
        "createNetNS",
        "UseImageResolvConf",
        "UseImageHosts",
        "useImageHostname",
        "postConfigureNetNS",
        "pause",
        "defaultPause",
        "isService",
        "mountAllDevices",
        "readWriteTmpfs",
        "label_nested",
        "cgroupParent",
        "logTag",
        "logSize",
        "healthcheck_on_failure_action",
        "kubeExitCodePropagation",
    }
)


class RestartConfigError(DockerError):
    """The stored config cannot carry the new policy (500: nothing was written)."""


@dataclass(frozen=True)
class Member:
    key: str
    text: bytes  # the raw `"key":value` text, without surrounding whitespace
    value: bytes  # the raw value text


def _skip_ws(raw: bytes, at: int) -> int:
    while at < len(raw) and raw[at] in _WHITESPACE:
        at += 1
    return at


def _string_end(raw: bytes, at: int) -> int:
    """Index just past the JSON string starting at `at` (a quote)."""
    at += 1
    while at < len(raw):
        char = raw[at]
        if char == 0x5C:  # backslash: skip the escaped character
            at += 2
            continue
        if char == 0x22:
            return at + 1
        at += 1
    raise RestartConfigError("the stored container config is not valid JSON (open string)")


def _value_end(raw: bytes, at: int) -> int:
    """Index just past the JSON value starting at `at`."""
    depth = 0
    while at < len(raw):
        char = raw[at]
        if char == 0x22:
            at = _string_end(raw, at)
            if depth == 0:
                return at
            continue
        if char in b"{[":
            depth += 1
        elif char in b"}]":
            if depth == 0:
                return at
            depth -= 1
            if depth == 0:
                return at + 1
        elif depth == 0 and (char == 0x2C or char in _WHITESPACE):
            return at
        at += 1
    raise RestartConfigError("the stored container config is not valid JSON (truncated)")


def members(raw: bytes) -> list[Member]:
    """The top-level members of a JSON object, in order, with their raw text."""
    try:
        json.loads(raw)
    except ValueError as exc:
        raise RestartConfigError(f"the stored container config is not valid JSON: {exc}") from None
    at = _skip_ws(raw, 0)
    if at >= len(raw) or raw[at] != 0x7B:
        raise RestartConfigError("the stored container config is not a JSON object")
    out: list[Member] = []
    at = _skip_ws(raw, at + 1)
    if raw[at] == 0x7D:
        return out
    while True:
        start = at
        key_end = _string_end(raw, at)
        key = json.loads(raw[start:key_end])
        at = _skip_ws(raw, key_end)
        at = _skip_ws(raw, at + 1)  # past the colon
        value_start = at
        at = _value_end(raw, at)
        out.append(Member(str(key), raw[start:at], raw[value_start:at]))
        at = _skip_ws(raw, at)
        if raw[at] == 0x7D:
            return out
        at = _skip_ws(raw, at + 1)  # past the comma


def current_policy(raw: bytes) -> tuple[str, int]:
    """(restart policy, retries) as podman reads them from the stored config."""
    data = json.loads(raw)
    return str(data.get(POLICY_KEY) or "no"), int(data.get(RETRIES_KEY) or 0)


def _restart_members(policy: str, retries: int) -> list[bytes]:
    out: list[bytes] = []
    if policy != "no":
        out.append(f'"{POLICY_KEY}":{json.dumps(policy)}'.encode())
    if retries:
        out.append(f'"{RETRIES_KEY}":{int(retries)}'.encode())
    return out


def _droppable(members: list[Member]) -> list[int]:
    """Indexes of members that may go, safest first: `null`s, then value-typed zeros."""
    nulls = [i for i, m in enumerate(members) if m.value == b"null"]
    zeros = [
        i
        for i, m in enumerate(members)
        if m.value in _ZERO_VALUES and m.key in _VALUE_TYPED and m.key not in _RESTART_KEYS
    ]
    return nulls + zeros


def rewrite(raw: bytes, policy: str, retries: int) -> bytes:
    """`raw` with the new restart policy, exactly as long as `raw`."""
    if policy not in ("no", "always", "on-failure", "unless-stopped") or not (
        0 <= retries <= MAX_RETRIES
    ):
        raise RestartConfigError(f"invalid restart policy {policy}:{retries}")
    found = members(raw)
    first = next((i for i, m in enumerate(found) if m.key in _RESTART_KEYS), len(found))
    kept = [m for m in found if m.key not in _RESTART_KEYS]
    insert_at = first  # no restart member comes before the first one
    new = _restart_members(policy, retries)
    dropped: set[int] = set()

    def render() -> bytes:
        texts = [m.text for i, m in enumerate(kept) if i not in dropped]
        position = insert_at - len([i for i in dropped if i < insert_at])
        return b"{" + b",".join(texts[:position] + new + texts[position:]) + b"}"

    text = render()
    for index in _droppable(kept):
        if len(text) <= len(raw):
            break
        dropped.add(index)
        text = render()
    if len(text) > len(raw):
        raise RestartConfigError(
            "cannot change the restart policy: podman's stored container config has no room "
            f"for it ({len(text) - len(raw)} bytes short); recreate the container instead"
        )
    return text + b" " * (len(raw) - len(text))
