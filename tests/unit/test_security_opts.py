"""HostConfig.SecurityOpt as podman options; a client's seccomp profile as a file of the
engine's for one create (engine/seccomp_files.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockershim.engine.seccomp_files import ProfileFiles, without_paths
from dockershim.errors import InvalidParameter
from dockershim.translate.security_opts import MAX_PROFILE, SeccompProfile, security_flags

PROFILE = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}  # fmt: skip


def test_options_pass_in_podmans_form() -> None:
    argv = security_flags(["no-new-privileges:true", "label=disable", "seccomp:unconfined"])
    assert argv == [
        "--security-opt", "no-new-privileges=true",
        "--security-opt", "label=disable",
        "--security-opt", "seccomp=unconfined",
    ]  # fmt: skip
    assert security_flags(["seccomp=builtin"]) == []


def test_a_profile_is_marked_for_the_engine_compact() -> None:
    argv = security_flags(["seccomp=" + json.dumps(PROFILE, indent=2)])
    assert argv[0] == "--security-opt" and isinstance(argv[1], SeccompProfile)
    assert json.loads(argv[1].profile) == PROFILE and "\n" not in argv[1]


@pytest.mark.parametrize(
    "value", ["seccomp=/etc/profile.json", "seccomp=[1]", "seccomp={", "-x", "seccomp="]
)
def test_what_dockerd_cannot_read_is_refused(value: str) -> None:
    with pytest.raises(InvalidParameter):
        security_flags([value])


def test_a_huge_profile_is_refused() -> None:
    huge = {"defaultAction": "SCMP_ACT_ALLOW", "pad": "x" * MAX_PROFILE}
    with pytest.raises(InvalidParameter, match="too large"):
        security_flags(["seccomp=" + json.dumps(huge)])


def test_profiles_are_files_for_the_call_only(tmp_path: Path) -> None:
    files = ProfileFiles(str(tmp_path))
    argv = ["create", "--security-opt", SeccompProfile('seccomp={"a":1}'), "--", "img"]
    with files.placed(argv) as (placed, written):
        assert len(written) == 1 and placed[2] == "seccomp=" + written[0]
        assert Path(written[0]).read_text() == '{"a":1}'
        assert os.stat(written[0]).st_mode & 0o777 == 0o600
        assert placed[:2] == argv[:2] and placed[3:] == argv[3:]
    assert not Path(written[0]).exists()
    assert (
        without_paths(f"loading {written[0]}: bad", written) == "loading the seccomp profile: bad"
    )
