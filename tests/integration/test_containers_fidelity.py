"""Container details that client libraries' own suites check, through docker-py and the CLI."""

from __future__ import annotations

import json
from typing import Any

import docker.errors
import pytest

from tests.conftest import Cleanup, DockerRun, podman
from tests.integration.test_streams_cli import eventually


def _create(dclient: Any, name: str, host: dict[str, Any], **config: Any) -> dict[str, Any]:
    body = {"Image": "busybox", "Cmd": ["sleep", "300"], "HostConfig": host, **config}
    resp = dclient.api._post_json(
        dclient.api._url("/containers/create"), data=body, params={"name": name}
    )
    dclient.api._raise_for_status(resp)
    return dict(dclient.api.inspect_container(name))


def test_ps_command_once(docker: DockerRun, cleanup: Cleanup) -> None:
    plain = cleanup.container()
    docker("run", "-d", "--name", plain, "busybox", "sleep", "300")
    image_cmd = cleanup.container()
    docker("create", "--name", image_cmd, "busybox")  # the image's CMD ["sh"]
    entry = cleanup.container()
    docker("create", "--name", entry, "--entrypoint", "sh", "busybox", "-c", "true")
    shown = {}
    for name in (plain, image_cmd, entry):
        out = docker(
            "ps", "-a", "--no-trunc", "--filter", f"name={name}", "--format", "{{.Command}}"
        ).stdout
        shown[name] = json.loads(out)
    assert shown == {plain: "sleep 300", image_cmd: "sh", entry: "sh -c true"}
    inspect = json.loads(docker("inspect", image_cmd).stdout)[0]
    assert (inspect["Path"], inspect["Args"]) == ("sh", [])


def test_env_without_equals_kept_and_unset(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    info = _create(dclient, name, {}, Env=["A=1", "LONELY"])
    env = info["Config"]["Env"]
    assert "LONELY" in env and "A=1" in env
    dclient.api.start(name)
    out = dclient.containers.get(name).exec_run(["/bin/env"]).output.decode()
    assert "A=1" in out.splitlines() and "LONELY" not in out


def test_host_fields_echoed(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    host = {
        "CgroupnsMode": "private",
        "UTSMode": "host",
        "Isolation": "default",
        "Runtime": "runc",
        "VolumeDriver": "local",
        "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}},
    }
    got = _create(dclient, name, host)["HostConfig"]
    assert {k: got[k] for k in host} == host
    dclient.api.start(name)
    assert dclient.api.inspect_container(name)["State"]["Running"] is True


def test_unknown_log_driver_refused_as_dockerd(dclient: Any, cleanup: Cleanup) -> None:
    with pytest.raises(docker.errors.APIError) as info:
        _create(dclient, cleanup.container(), {"LogConfig": {"Type": "nosuchdriver"}})
    assert info.value.status_code == 400
    assert "logger: no log driver named 'nosuchdriver' is registered" in str(info.value)


def test_volumes_from(dclient: Any, cleanup: Cleanup) -> None:
    source = cleanup.container()
    source_id = dclient.api.create_container(
        "busybox", ["sh", "-c", "echo shared > /data/f"], name=source, volumes=["/data"]
    )["Id"]
    dclient.api.start(source_id)
    assert dclient.api.wait(source_id)["StatusCode"] == 0
    reader = cleanup.container()
    _create(dclient, reader, {"VolumesFrom": [f"{source}:ro"]}, Cmd=["cat", "/data/f"])
    dclient.api.start(reader)
    assert dclient.api.wait(reader)["StatusCode"] == 0
    assert dclient.api.logs(reader) == b"shared\n"
    assert dclient.api.inspect_container(reader)["HostConfig"]["VolumesFrom"] == [f"{source}:ro"]
    for name in (reader, source):
        dclient.api.remove_container(name, v=True)


def test_prune_reports_space(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    dclient.containers.run(
        "busybox",
        ["dd", "if=/dev/zero", "of=/big", "bs=1024", "count=200"],
        name=name,
        labels={"dst-prune": name},
    )
    result = dclient.api.prune_containers(filters={"label": f"dst-prune={name}"})
    assert len(result["ContainersDeleted"]) == 1
    assert result["SpaceReclaimed"] >= 200 * 1024


def test_diff_added_file(dclient: Any, cleanup: Cleanup) -> None:
    ct = dclient.containers.run(
        "busybox", ["touch", "/test"], name=cleanup.container(), detach=True
    )
    ct.wait()
    assert ct.diff() == [{"Path": "/test", "Kind": 1}]  # as docker-py's own test expects
    assert podman("diff", ct.id).stdout.split() != []


def test_followed_logs_one_frame_per_line(dclient: Any, cleanup: Cleanup) -> None:
    ct = dclient.containers.run(
        "busybox",
        ["sh", "-c", "printf 'one\\ntwo\\nthree\\n'; printf 'err1\\nerr2\\n' >&2; exec sleep 300"],
        name=cleanup.container(),
        detach=True,
    )
    eventually(lambda: b"err2" in ct.logs(), "all lines logged")
    stream = ct.logs(stream=True, follow=True, stderr=False)
    assert [next(stream), next(stream)] == [b"one\n", b"two\n"]  # written in one go
    stream.close()
    out = list(dclient.api.logs(ct.id, stream=True, follow=False, stderr=False))
    assert out == [b"one\n", b"two\n", b"three\n"]
    err = list(dclient.api.logs(ct.id, stream=True, follow=False, stdout=False))
    assert err == [b"err1\n", b"err2\n"]


def test_followed_logs_of_an_ended_container_are_whole(
    docker: DockerRun, dclient: Any, cleanup: Cleanup
) -> None:
    """`logs -f` of a container that has ended gives its whole log and ends, as dockerd does
    (podman's own follow of a stopped container cuts a long log short: podman#21914; here it
    returned about a quarter of these lines)."""
    lines = 200_000
    name = cleanup.container()
    docker("run", "--name", name, "busybox", "seq", "1", str(lines))
    for _ in range(2):
        followed = docker("logs", "-f", name).stdout.splitlines()
        assert (len(followed), followed[-1]) == (lines, str(lines))
    streamed = b"".join(dclient.api.logs(name, stream=True, follow=True, stderr=False))
    assert streamed.count(b"\n") == lines


def test_followed_logs_of_a_busy_container_lose_nothing(
    docker: DockerRun, dclient: Any, cleanup: Cleanup
) -> None:
    """Followed from the start while it writes fast, a container's log arrives whole, in
    order, until it ends (podman 4.3's `logs --follow` returned 86,000-100,000 of these
    200,000 lines); docker-py's `run` (start, then follow the logs) gets all of its output."""
    lines = 200_000
    name = cleanup.container()
    script = f"sleep 1; seq 1 {lines}; echo done >&2"
    docker("run", "-d", "--name", name, "busybox", "sh", "-c", script)
    followed = docker("logs", "-f", name)
    numbers = followed.stdout.splitlines()
    assert numbers == [str(n) for n in range(1, lines + 1)]
    assert followed.stderr == "done\n"
    out = dclient.containers.run("busybox", ["seq", "1", str(lines)], remove=True)
    assert out.count(b"\n") == lines and out.endswith(f"\n{lines}\n".encode())


def test_nameless_volume_is_anonymous_and_pruned(dclient: Any, cleanup: Cleanup) -> None:
    anonymous = dclient.volumes.create()
    cleanup.volumes.append(anonymous.name)
    named = dclient.volumes.create(name=cleanup.name("dst-vol"))
    cleanup.volumes.append(named.name)
    assert "com.docker.volume.anonymous" in anonymous.attrs["Labels"]
    assert "com.docker.volume.anonymous" not in (named.attrs["Labels"] or {})
    # API >= 1.42: prune removes anonymous volumes only, unless all=true
    pruned = dclient.volumes.prune()["VolumesDeleted"] or []
    assert anonymous.name in pruned and named.name not in pruned
    assert named.name in [v.name for v in dclient.volumes.list()]


def test_load_garbage_answers_in_the_stream(dclient: Any) -> None:
    # dockerd answers 200 and reports the failed load in the JSON stream (docker-py raises)
    resp = dclient.api._post(
        dclient.api._url("/images/load"), data=b"not an image archive\n" * 50, stream=True
    )
    assert resp.status_code == 200
    lines = [json.loads(line) for line in resp.iter_lines() if line]
    assert lines[-1]["error"] == "archive/tar: invalid tar header"
    assert lines[-1]["errorDetail"]["message"] == "archive/tar: invalid tar header"
    with pytest.raises(docker.errors.ImageLoadError):
        dclient.images.load(b"not an image archive\n" * 50)


def test_volume_mount_read_only_and_subpath_refused(dclient: Any, cleanup: Cleanup) -> None:
    vol = cleanup.name("dst-mvol")
    cleanup.volumes.append(vol)
    mount = {"Type": "volume", "Source": vol, "Target": "/data", "ReadOnly": True}
    name = cleanup.container()
    _create(dclient, name, {"Mounts": [mount]}, Cmd=["touch", "/data/x"])
    dclient.api.start(name)
    assert dclient.api.wait(name)["StatusCode"] != 0  # read-only
    assert b"Read-only file system" in dclient.api.logs(name)
    sub = {**mount, "ReadOnly": False, "VolumeOptions": {"Subpath": "a"}}
    with pytest.raises(docker.errors.APIError, match="Subpath") as info:
        _create(dclient, cleanup.container(), {"Mounts": [sub]})
    assert info.value.status_code == 400
