"""Same-length rewrite of the restart policy in podman 4.3.1's stored container config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dockershim.translate.restart_config import (
    RestartConfigError,
    current_policy,
    members,
    rewrite,
)
from tests.fakes import FIXTURES

POLICIES = [("no", 0), ("always", 0), ("unless-stopped", 0), ("on-failure", 0), ("on-failure", 7)]
RESTART_KEYS = {"restart_policy", "restart_retries"}


def _config(name: str) -> bytes:
    return (Path(FIXTURES) / f"container_config_restart_{name}.json").read_bytes()


def _others(raw: bytes) -> dict[str, Any]:
    return {k: v for k, v in json.loads(raw).items() if k not in RESTART_KEYS}


def _check(before: bytes, after: bytes) -> None:
    """Same length; every member kept byte for byte, except restart ones and dropped nulls or
    zeros of value-typed members."""
    assert len(after) == len(before)
    old = {m.key: m.text for m in members(before)}
    new = {m.key: m.text for m in members(after)}
    for key, text in old.items():
        if key in RESTART_KEYS:
            continue
        if key in new:
            assert new[key] == text
        else:
            assert json.loads(before)[key] in (None, False, 0, "")
    assert set(new) - set(old) <= RESTART_KEYS
    assert after.rstrip(b" ").endswith(b"}")


@pytest.mark.parametrize("start", ["no", "always"])
@pytest.mark.parametrize(("policy", "retries"), POLICIES)
def test_every_policy_both_ways(start: str, policy: str, retries: int) -> None:
    original = _config(start)
    assert current_policy(original) == (start, 0)
    changed = rewrite(original, policy, retries)
    _check(original, changed)
    assert current_policy(changed) == (policy, retries)
    data = json.loads(changed)
    if policy == "no":
        assert "restart_policy" not in data  # omitempty, as podman writes it
    if not retries:
        assert "restart_retries" not in data
    # and back again, from the patched text (trailing spaces included)
    back = rewrite(changed, start, 0)
    _check(changed, back)
    assert current_policy(back) == (start, 0)
    assert _others(back) == {k: v for k, v in _others(original).items() if k in _others(back)}


def test_only_safe_members_are_dropped() -> None:
    original = _config("no")
    changed = rewrite(original, "on-failure", 4294967295)
    gone = set(json.loads(original)) - set(json.loads(changed))
    nulls = {"Dependencies", "storageOpts", "healthcheck"}
    assert nulls < gone  # every null goes before a plain zero does
    assert gone - nulls <= {"privileged", "UseImageResolvConf", "UseImageHosts", "logTag"}
    # `passwd` is a *bool in podman: an explicit false differs from absent, never dropped
    pointer = original.replace(b'"passwd":true', b'"passwd":false')
    tight = pointer.replace(b',"Dependencies":null', b"").replace(b',"storageOpts":null', b"")
    tight = tight.replace(b',"healthcheck":null', b"")
    squeezed = rewrite(tight, "unless-stopped", 0)
    assert json.loads(squeezed)["passwd"] is False
    assert "privileged" not in json.loads(squeezed)  # a plain bool: its false may go


def test_no_room_is_refused() -> None:
    raw = b'{"id":"x","name":"n","passwd":false}'
    with pytest.raises(RestartConfigError, match="no room") as info:
        rewrite(raw, "always", 0)
    assert info.value.status == 500
    assert rewrite(raw, "no", 0) == raw  # nothing to add: unchanged
    padded = raw[:-1] + b',"lockID":0,"privileged":false}'
    assert json.loads(rewrite(padded, "always", 0))["restart_policy"] == "always"


def test_escapes_and_nesting_survive() -> None:
    raw = (
        b'{"a":"x\\"}{,\\\\","b":[1,{"c":"]"}],"restart_policy":"always",'
        b'"restart_retries":3,"d":{"e":null},"f":null}  '
    )
    out = rewrite(raw, "unless-stopped", 0)
    assert len(out) == len(raw)
    data = json.loads(out)
    assert data["a"] == 'x"}{,\\' and data["b"] == [1, {"c": "]"}] and data["d"] == {"e": None}
    assert data["restart_policy"] == "unless-stopped" and "restart_retries" not in data
    assert out.startswith(b'{"a":"x\\"}{,\\\\","b":[1,{"c":"]"}],"restart_policy"')


def test_not_a_config() -> None:
    for raw in (b"[1]", b'{"a":', b""):
        with pytest.raises(RestartConfigError):
            rewrite(raw, "always", 0)
    with pytest.raises(RestartConfigError, match="invalid restart policy"):
        rewrite(b'{"a":1}', "sometimes", 0)
