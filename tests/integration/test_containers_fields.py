"""Many create fields at once through the docker CLI, checked inside the container."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.conftest import Cleanup, DockerRun, Shim, podman


def test_many_flags_reach_the_container(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    vol = cleanup.name("dsv")
    cleanup.volumes.append(vol)
    docker(
        "run", "-d", "--name", name,
        "--hostname", "box", "--user", "0:1000", "--workdir", "/tmp",
        "--env", "A=1", "--label", "x=y",
        "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN",
        "--security-opt", "no-new-privileges",
        "--ulimit", "nofile=512:1024",
        "--sysctl", "net.ipv4.ip_local_port_range=20000 30000",
        "--dns", "192.0.2.53", "--dns-search", "example.test",
        "--add-host", "db.test:10.1.2.3", "--add-host", "gw.test:host-gateway",
        "--read-only", "--shm-size", "8m",
        "--tmpfs", "/scratch:size=1m",
        "--mount", f"type=volume,source={vol},target=/data",
        "--restart", "on-failure:2",
        "--stop-signal", "SIGINT", "--stop-timeout", "4",
        "--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "tag=web",
        "busybox", "sleep", "300",
    )  # fmt: skip
    info = json.loads(docker("inspect", name).stdout)[0]
    assert info["State"]["Status"] == "running"
    assert info["Config"]["Hostname"] == "box"
    assert info["Config"]["User"] == "0:1000"
    assert info["Config"]["StopSignal"] == "SIGINT"
    assert info["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    assert info["HostConfig"]["ReadonlyRootfs"] is True

    def sh(cmd: str) -> str:
        return podman("exec", name, "sh", "-c", cmd).stdout

    # (the fixture image's / is 0700, so only uid 0 can exec; the group still proves --user)
    assert sh("id -g; hostname").split() == ["1000", "box"]
    hosts = sh("cat /etc/hosts")
    assert "10.1.2.3" in hosts and "db.test" in hosts and "gw.test" in hosts
    resolv = sh("cat /etc/resolv.conf")
    assert "192.0.2.53" in resolv and "example.test" in resolv
    assert sh("grep 'open files' /proc/1/limits").split()[3:5] == ["512", "1024"]
    assert sh("cat /proc/sys/net/ipv4/ip_local_port_range").split() == ["20000", "30000"]
    mounts = sh("cat /proc/mounts")
    assert " /scratch tmpfs " in mounts and " /data " in mounts
    assert sh("touch /x 2>&1 || echo ro").strip().endswith("ro")
    assert "NoNewPrivs:\t1" in sh("cat /proc/self/status")
    docker("rm", "-f", name)


def test_init_runs_catatonit_as_pid1(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "--init", "busybox", "sleep", "300")
    assert docker("inspect", "-f", "{{.HostConfig.Init}}", name).stdout.strip() == "true"
    comm = podman("exec", name, "cat", "/proc/1/comm").stdout.strip()
    assert comm in ("catatonit", "podman-init")


def test_systempaths_unconfined(docker: DockerRun, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker(
        "run", "-d", "--name", name, "--security-opt", "systempaths=unconfined",
        "busybox", "sleep", "300",
    )  # fmt: skip
    # the runtime spec podman handed to runc masks nothing (by default it masks 11 paths)
    spec_path = podman("inspect", "--format", "{{.OCIConfigPath}}", name).stdout.strip()
    spec = json.loads(Path(spec_path).read_text())
    assert not spec["linux"].get("maskedPaths")
    assert not spec["linux"].get("readonlyPaths")


def test_network_none_and_host(docker: DockerRun, cleanup: Cleanup) -> None:
    a = cleanup.container()
    docker("create", "--name", a, "--network", "none", "busybox")
    assert docker("inspect", "-f", "{{.HostConfig.NetworkMode}}", a).stdout.strip() == "none"
    b = cleanup.container()
    docker("create", "--name", b, "--network", "host", "busybox")
    assert docker("inspect", "-f", "{{.HostConfig.NetworkMode}}", b).stdout.strip() == "host"


def test_missing_bind_source_is_an_error_and_leaves_nothing(
    docker: DockerRun, cleanup: Cleanup
) -> None:
    name = cleanup.container()
    r = docker(
        "create", "--name", name, "--mount", "type=bind,source=/no/such/dir,target=/x",
        "busybox", check=False,
    )  # fmt: skip
    assert r.returncode != 0
    assert "bind source path does not exist: /no/such/dir" in r.stderr
    assert podman("container", "exists", name, check=False).returncode == 1
    r = docker("create", "--name", name, "--cap-add", "NOPE", "busybox", check=False)
    assert r.returncode != 0 and "unknown capability" in r.stderr
    assert podman("container", "exists", name, check=False).returncode == 1


def test_binds_create_a_missing_host_directory(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    name = cleanup.container()
    source = tmp_path / "made" / "by" / "bind"
    docker("run", "-d", "--name", name, "-v", f"{source}:/x", "busybox", "touch", "/x/f")
    docker("wait", name)
    assert (source / "f").exists()


def test_tmpfs_mounts_are_noexec_nosuid_nodev_as_with_dockerd(docker: DockerRun) -> None:
    def options(*flags: str) -> set[str]:
        out = docker("run", "--rm", *flags, "busybox", "grep", " /t ", "/proc/mounts").stdout
        return set(out.split()[3].split(","))

    assert {"noexec", "nosuid", "nodev"} <= options("--tmpfs", "/t")
    sized = options("--tmpfs", "/t:size=8m")
    assert {"noexec", "nosuid", "nodev", "size=8192k"} <= sized
    assert "noexec" not in options("--tmpfs", "/t:exec")
    assert {"noexec", "nosuid", "nodev"} <= options("--mount", "type=tmpfs,dst=/t")


def test_inspect_shows_host_fields_as_sent(docker: DockerRun, cleanup: Cleanup) -> None:
    """podman rewrites caps, ulimits, tmpfs and bind options; dockerd shows what was sent."""
    name = cleanup.container()
    docker(
        "create", "--name", name, "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD",
        "--ulimit", "nofile=100:200", "--tmpfs", "/t:size=1m", "-v", "/tmp:/h:ro",
        "busybox", "true",
    )  # fmt: skip
    host = json.loads(docker("inspect", "--format", "{{json .HostConfig}}", name).stdout)
    assert host["CapAdd"] == ["CAP_NET_ADMIN"]  # the CLI sends the CAP_ names itself
    assert host["CapDrop"] == ["CAP_MKNOD"]  # (podman's default drops are not listed)
    assert host["Ulimits"] == [{"Name": "nofile", "Hard": 200, "Soft": 100}]
    assert host["Tmpfs"] == {"/t": "size=1m"}
    assert host["Binds"] == ["/tmp:/h:ro"]
    # and podman did apply them
    caps = podman("inspect", "--format", "{{json .HostConfig.CapAdd}}", name).stdout
    assert "CAP_NET_ADMIN" in caps
    plain = cleanup.container()
    docker("create", "--name", plain, "busybox", "true")
    host = json.loads(docker("inspect", "--format", "{{json .HostConfig}}", plain).stdout)
    assert host["CapAdd"] is None and host["CapDrop"] is None and host["Binds"] is None


def test_a_seccomp_profile_file_applies_as_with_dockerd(
    docker: DockerRun, shim: Shim, cleanup: Cleanup, tmp_path: Path
) -> None:
    """The docker CLI sends the profile's JSON, not its path (dockerd reads no file there):
    the filter holds, across a restart too, inspect shows the option as sent, and no file of
    dockershim's is left behind."""
    profile = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}],
    }
    path = tmp_path / "no-mkdir.json"
    path.write_text(json.dumps(profile, indent=2))
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    folder = Path(runtime, "dockershim", "seccomp")
    name = cleanup.container()
    script = "grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1 || true"
    ran = docker(
        "run", "--name", name, "--security-opt", f"seccomp={path}", "busybox", "sh", "-c", script
    )  # fmt: skip
    assert "Seccomp:\t2" in ran.stdout and "Operation not permitted" in ran.stdout
    docker("start", "--attach", name)
    logs = docker("logs", name).stdout
    assert logs.count("Operation not permitted") == 2
    sent = json.loads(docker("inspect", name).stdout)[0]["HostConfig"]["SecurityOpt"]
    assert len(sent) == 1 and json.loads(sent[0].removeprefix("seccomp=")) == profile
    assert not folder.exists() or not list(folder.glob("profile-*.json"))
    body = {"Image": "busybox", "HostConfig": {"SecurityOpt": ["seccomp=/etc/hosts"]}}
    with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket)) as client:
        refused = client.post("http://d/v1.41/containers/create", json=body)
    assert refused.status_code == 400
    assert "Decoding seccomp profile failed" in refused.json()["message"]
