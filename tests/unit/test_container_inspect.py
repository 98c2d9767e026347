"""podman inspect JSON (captured from podman 4.3.1) -> Docker's inspect and summary shapes."""

from __future__ import annotations

from typing import Any

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.container_fields import (
    ANN_HOST_FIELDS,
    decode_host_fields,
    encode_host_fields,
)
from dockershim.translate.container_inspect import inspect_body
from dockershim.translate.container_list import matches, summary, validate_filters
from dockershim.translate.container_status import human_duration, parse_time, status_text
from tests.fakes import fixture_json


def raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = fixture_json(f"container_inspect_{name}.json")[0]
    return data


def test_running_container_shape() -> None:
    body = inspect_body(raw("running"))
    assert body["Name"] == "/cap-running"
    assert body["Image"].startswith("sha256:1830655053eb")
    assert body["State"]["Status"] == "running"
    assert body["State"]["Running"] is True
    assert "Health" not in body["State"]
    assert body["Config"]["Image"] == "busybox:latest"
    assert body["Config"]["Entrypoint"] is None
    assert body["Config"]["Cmd"] == ["httpd", "-f", "-p", "80"]
    assert body["Config"]["ExposedPorts"] == {"80/tcp": {}, "90/tcp": {}}
    ports = body["NetworkSettings"]["Ports"]
    assert ports["80/tcp"] == [
        {"HostIp": "0.0.0.0", "HostPort": "18081"},
        {"HostIp": "::", "HostPort": "18081"},
    ]
    assert ports["90/tcp"] is None
    nets = body["NetworkSettings"]["Networks"]
    assert list(nets) == ["bridge"]
    assert nets["bridge"]["IPAddress"] == "10.88.0.2"
    assert body["NetworkSettings"]["IPAddress"] == "10.88.0.2"
    assert body["HostConfig"]["NetworkMode"] == "bridge"
    assert body["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "18081"}]}
    assert body["HostConfig"]["LogConfig"]["Type"] == "json-file"
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}
    assert "CgroupManager" not in body["HostConfig"]
    assert body["Mounts"][0]["Type"] == "volume"
    assert body["Mounts"][0]["Name"] == "capvol"


def test_shim_created_container_keeps_docker_names() -> None:
    body = inspect_body(raw("shim"))
    assert body["Config"]["Image"] == "busybox"  # as the user named it
    assert body["Config"]["Entrypoint"] == ["sh"]
    assert body["Config"]["Cmd"] == ["-c", "sleep 300"]
    assert body["HostConfig"]["NetworkMode"] == "bridge"  # "default" reads as bridge
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert body["State"]["Health"]["Status"] == "healthy"
    assert body["State"]["Health"]["Log"][0]["ExitCode"] == 0
    assert body["Config"]["Healthcheck"]["Test"] == ["CMD-SHELL", "true"]


def test_exited_and_created_states() -> None:
    exited = inspect_body(raw("exited"))["State"]
    assert (exited["Status"], exited["ExitCode"], exited["Running"]) == ("exited", 3, False)
    created = inspect_body(raw("created"))
    assert created["State"]["Status"] == "created"
    assert created["State"]["StartedAt"] == "0001-01-01T00:00:00Z"
    assert created["Config"]["Labels"] == {"a": "b", "c": ""}
    assert created["State"]["Health"]["Status"] == "starting"


def test_tty_container_without_networks() -> None:
    body = inspect_body(raw("tty"))
    assert body["Config"]["Tty"] is True
    assert body["NetworkSettings"]["Networks"] == {}


def test_summary() -> None:
    r = raw("running")
    now = parse_time(r["State"]["StartedAt"]) or 0.0
    s = summary(r, now + 3)
    assert s["Names"] == ["/cap-running"]
    assert s["Image"] == "busybox:latest"
    assert s["Command"] == "httpd -f -p 80"
    assert s["State"] == "running"
    assert s["Status"] == "Up 3 seconds"
    assert {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 18081, "Type": "tcp"} in s["Ports"]
    assert {"PrivatePort": 90, "Type": "tcp"} in s["Ports"]
    e = raw("exited")
    finished = parse_time(e["State"]["FinishedAt"]) or 0.0
    assert summary(e, finished + 150)["Status"] == "Exited (3) 2 minutes ago"
    assert summary(raw("created"), finished)["Status"] == "Created"


def test_filters() -> None:
    r = raw("created")
    s = summary(r, 0)
    assert matches(s, r, {"label": ["a=b"]}, {})
    assert matches(s, r, {"label": ["c"]}, {})
    assert not matches(s, r, {"label": ["a=x"]}, {})
    assert matches(s, r, {"status": ["exited", "created"]}, {})
    assert matches(s, r, {"name": ["cap-cr"]}, {})
    assert matches(s, r, {"ancestor": ["busybox"]}, {})
    assert matches(s, r, {"publish": ["18080"]}, {})
    assert matches(s, r, {"expose": ["80/tcp"]}, {})
    assert matches(s, r, {"network": ["bridge"]}, {})
    assert matches(s, r, {"health": ["starting"]}, {})
    assert not matches(s, r, {"health": ["healthy"]}, {})
    with pytest.raises(InvalidParameter):
        validate_filters({"status": ["sleeping"]})
    with pytest.raises(InvalidParameter):
        validate_filters({"bogus": ["1"]})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.5, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
     (600, "10 minutes"), (3600, "About an hour"), (7200, "2 hours"), (3 * 86400, "3 days")],
)  # fmt: skip
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_status_text_health_and_paused() -> None:
    st = {"Status": "running", "StartedAt": "2026-01-01T00:00:00Z", "Health": {"Status": "healthy"}}
    now = parse_time("2026-01-01T00:00:05Z") or 0.0
    assert status_text(st, now) == "Up 5 seconds (healthy)"
    assert status_text({**st, "Status": "paused"}, now) == "Up 5 seconds (Paused)"


def test_host_fields_as_the_client_sent_them() -> None:
    sent = {
        "Binds": ["/tmp:/h"],
        "CapAdd": ["NET_ADMIN"],
        "CapDrop": None,
        "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}],
        "Memory": 0,  # not one of the kept fields
    }
    data = raw("running")
    podman_form = inspect_body(data)["HostConfig"]
    assert podman_form["CapAdd"] == []  # podman's, for containers podman created itself
    value = encode_host_fields(sent)
    assert value is not None and "," not in value
    data["Config"].setdefault("Annotations", {})[ANN_HOST_FIELDS] = value
    host = inspect_body(data)["HostConfig"]
    assert host["Binds"] == ["/tmp:/h"]
    assert host["CapAdd"] == ["NET_ADMIN"]
    assert host["CapDrop"] is None
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 100, "Hard": 200}]
    assert host["Tmpfs"] is None  # not sent
    assert host["Memory"] == podman_form["Memory"]
    assert encode_host_fields({"Memory": 1}) is None
    assert decode_host_fields("not base64 json!") is None


def test_path_args_from_entrypoint_and_cmd() -> None:
    from dockershim.translate.container_inspect import path_args

    one_word = {"Path": "sh", "Args": ["sh"], "Config": {"Entrypoint": "", "Cmd": ["sh"]}}
    assert path_args(one_word) == ("sh", [])
    entry_only = {"Path": "foo", "Args": ["foo"], "Config": {"Entrypoint": "foo", "Cmd": None}}
    assert path_args(entry_only) == ("foo", [])
    both = {"Path": "sh", "Args": ["-c", "x"], "Config": {"Entrypoint": "sh -c", "Cmd": ["x"]}}
    assert path_args(both) == ("sh", ["-c", "x"])
