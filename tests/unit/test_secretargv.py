"""Secrets off the command line: env entries into an in-memory env file, build arguments into
the child's environment; checked with a real child process that reports what it received."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from dockershim.podman import PodmanRunner
from dockershim.podman.secretargv import conceal
from dockershim.secret import Secret

REPORT = """#!/bin/sh
# argv, then the env file podman would read, then the variables build arguments come from
echo "ARGV $*"
while [ $# -gt 0 ]; do
  if [ "$1" = --env-file ]; then echo FILE; cat "$2"; fi
  shift
done
echo "ENV ${TOKEN-unset}"
"""


@pytest.fixture
def fake_podman(tmp_path: Path) -> str:
    path = tmp_path / "podman"
    path.write_text(REPORT)
    path.chmod(0o700)
    return str(path)


def test_env_goes_to_a_file_in_place_of_the_flags() -> None:
    argv = ["create", "--env", Secret("A=1 2"), "--label", "l=x", "--env", Secret("B=")]
    concealed = conceal([*argv, "--", "img", "--env", "C=visible"])
    try:
        assert concealed.argv[:3] == ["create", "--env-file", f"/dev/fd/{concealed.fds[0]}"]
        assert concealed.argv[3:] == ["--label", "l=x", "--", "img", "--env", "C=visible"]
        with open(f"/dev/fd/{concealed.fds[0]}") as handle:
            assert handle.read() == "A=1 2\nB=\n"
    finally:
        concealed.close()


def test_values_an_env_file_cannot_carry_stay_redacted() -> None:
    concealed = conceal(["create", "--env", Secret("PEM=a\nb"), "--", "img"])
    assert concealed.argv == ["create", "--env", "PEM=a\nb", "--", "img"]
    assert concealed.shown == ["create", "--env", "PEM=<redacted>", "--", "img"]
    assert concealed.fds == []


@pytest.mark.parametrize("name", ["LD_PRELOAD", "PATH", "http_proxy", "CONTAINERS_CONF", "A B"])
def test_build_args_podman_reads_itself_stay_on_the_command_line(name: str) -> None:
    concealed = conceal(["build", "--build-arg", Secret(f"{name}=v"), "--", "/ctx"])
    assert concealed.env == {}
    assert concealed.shown[2] == f"{name}=<redacted>"


async def test_runner_hands_secrets_over_without_argv(
    fake_podman: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dockershim")
    runner = PodmanRunner(fake_podman)
    before = set(os.listdir("/proc/self/fd"))
    result = await runner.run(
        ["run", "--env", Secret("S=top-secret-1"), "--build-arg", Secret("TOKEN=top-secret-2")]
    )
    out = result.text
    assert "ARGV run --env-file /dev/fd/" in out and "--build-arg TOKEN" in out
    assert "FILE\nS=top-secret-1\n" in out and "ENV top-secret-2" in out
    assert "top-secret" not in out.split("\n")[0]
    assert "top-secret" not in caplog.text and "top-secret" not in " ".join(result.argv)
    assert set(os.listdir("/proc/self/fd")) == before


async def test_spawn_hands_secrets_over_and_leaks_no_descriptor(fake_podman: str) -> None:
    runner = PodmanRunner(fake_podman)
    before = set(os.listdir("/proc/self/fd"))
    child = await runner.spawn(["exec", "--env", Secret("S=top-secret-3")], use_pty=True)
    try:
        await child.wait()
    finally:
        await child.close()
    assert "top-secret" not in " ".join(child.argv)
    assert set(os.listdir("/proc/self/fd")) == before
