"""Exec translation: Docker's ExecConfig -> record config -> podman exec argv -> ExecInspect."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.exec import (
    attaches_streams,
    exec_argv,
    exec_config,
    inspect_body,
    running_session,
    session_facts,
    session_id,
)
from tests.fakes import FIXTURES

CID = "c6c0fac57b81" + "0" * 52

# what the docker CLI 28 sends for `docker exec -it -u 1000 -w /tmp -e A=b CT sh`
CLI_BODY: dict[str, Any] = {
    "User": "1000",
    "Privileged": False,
    "Tty": True,
    "ConsoleSize": [30, 100],
    "AttachStdin": True,
    "AttachStderr": True,
    "AttachStdout": True,
    "Detach": False,
    "DetachKeys": "",
    "Env": ["A=b"],
    "WorkingDir": "/tmp",
    "Cmd": ["sh"],
}


def test_cli_body() -> None:
    config = exec_config(CLI_BODY)
    assert config["ConsoleSize"] == [30, 100]
    assert exec_argv(CID, config, detach=False) == [
        "exec",
        "--detach-keys=",
        "--interactive",
        "--tty",
        "--user",
        "1000",
        "--workdir",
        "/tmp",
        "--env",
        "A=b",
        "--",
        CID,
        "sh",
    ]


def test_detached_argv_has_no_stdio() -> None:
    config = exec_config({**CLI_BODY, "Privileged": True})
    argv = exec_argv(CID, config, detach=True)
    assert "--detach" in argv
    assert "--interactive" not in argv
    assert "--tty" not in argv
    assert "--privileged" in argv
    assert argv[-3:] == ["--", CID, "sh"]


def test_minimal_body() -> None:
    config = exec_config({"Cmd": ["echo", "hi"], "AttachStdout": True})
    assert exec_argv(CID, config, detach=False) == [
        "exec",
        "--detach-keys=",
        "--",
        CID,
        "echo",
        "hi",
    ]
    assert attaches_streams(config)
    assert not attaches_streams(exec_config({"Cmd": ["true"]}))


def test_zero_console_size_is_unset() -> None:
    assert exec_config({"Cmd": ["sh"], "ConsoleSize": [0, 0]})["ConsoleSize"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "No exec command specified"),
        ({"Cmd": []}, "No exec command specified"),
        ({"Cmd": "sh"} | {"Env": ["NOEQUALS"]}, "invalid environment variable"),
        ({"Cmd": ["sh"], "WorkingDir": "tmp"}, "needs to be an absolute path"),
        ({"Cmd": ["sh"], "DetachKeys": "ctrl-1"}, "Invalid detach keys"),
        ({"Cmd": [1]}, "invalid Cmd"),
        ({"Cmd": ["sh"], "ConsoleSize": [1]}, "invalid ConsoleSize"),
        ({"Cmd": ["sh"], "User": 5}, "invalid User"),
    ],
)
def test_refused(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        exec_config(body)


def test_inspect_body_before_and_after() -> None:
    config = exec_config(CLI_BODY)
    record = {"ID": "e" * 64, "ContainerID": CID, "Config": config, "Running": False}
    body = inspect_body(record)
    assert body["ExitCode"] is None
    assert body["Running"] is False
    assert body["ProcessConfig"] == {
        "arguments": [],
        "entrypoint": "sh",
        "privileged": False,
        "tty": True,
        "user": "1000",
    }
    assert body["OpenStdin"] and body["OpenStdout"] and body["OpenStderr"]
    assert body["ContainerID"] == CID
    done = inspect_body({**record, "ExitCode": 42, "Pid": 7})
    assert done["ExitCode"] == 42
    assert done["Pid"] == 7


STOPPED = "02d92fb1001d0cd1586f75bd84efb6944d5e7c9191f8ce819823a18b14bede89"  # sh -c 'exit 3'
RUNNING = "cda337d42e8c5886ad8750decb8f2535d2fd1479ade8dd5cb3e38ca9c882a1da"  # sleep 120


def _captured_state() -> dict[str, Any]:
    """A container's state as podman 4.3.1 stored it, with two `exec -d` sessions."""
    data: dict[str, Any] = json.loads((FIXTURES / "container_state_execs.json").read_text())
    return data


def test_session_id_is_what_podman_exec_detach_prints() -> None:
    assert session_id(RUNNING + "\n") == RUNNING
    assert session_id("") is None
    assert session_id("Error: something\n") is None


def test_session_facts_from_the_stored_state() -> None:
    state = _captured_state()
    assert session_facts(state, RUNNING) == {"Running": True, "ExitCode": None, "Pid": 18348}
    assert session_facts(state, STOPPED) == {"Running": False, "ExitCode": 3, "Pid": 0}
    assert session_facts(state, "f" * 64) is None
    assert session_facts({}, RUNNING) is None


def test_a_running_session_is_claimed_only_when_it_is_the_only_one() -> None:
    state = _captured_state()
    assert running_session(state, ["sleep", "120"], set()) == RUNNING
    assert running_session(state, ["sleep", "120"], {RUNNING}) is None  # another record's
    assert running_session(state, ["sh", "-c", "exit 3"], set()) is None  # not running
    assert running_session(state, ["sleep", "1"], set()) is None
    twice = copy.deepcopy(state)
    twice["newExecSessions"]["e" * 64] = copy.deepcopy(state["newExecSessions"][RUNNING])
    assert running_session(twice, ["sleep", "120"], set()) is None  # cannot tell them apart


def test_field_names_match_case_insensitively_as_in_go() -> None:
    # docker-py sends `detachKeys`; dockerd's JSON decoding takes any case
    config = exec_config({"Cmd": ["sh"], "detachKeys": "ctrl-p", "tty": True})
    assert (config["DetachKeys"], config["Tty"]) == ("ctrl-p", True)
    exact = exec_config({"Cmd": ["sh"], "DetachKeys": "ctrl-a", "detachkeys": "ctrl-b"})
    assert exact["DetachKeys"] == "ctrl-a"
