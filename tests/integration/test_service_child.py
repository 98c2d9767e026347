"""podman's service as dockershim's child (podman/service_child.py): create (where the options
allow), start, stop, restart, kill and rm go to it instead of a podman process each; without
it they run as processes again; containers started through it outlive it and dockershim, as
after a podman CLI process."""

from __future__ import annotations

import base64
import io
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DOCKER, Cleanup, Shim, one_file_tar, podman


@pytest.fixture
def own_shim() -> Iterator[Shim]:
    """A shim of this test's own (it gets stopped), logging every podman process it runs."""
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-svc-"))
    instance = Shim(workdir, "--idle-timeout", "0", "--log-level", "debug").start()
    yield instance
    instance.stop()
    assert "Traceback" not in instance.log()


def _docker(shim: Shim, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_HOST": shim.url, "DOCKER_CLI_HINTS": "false"}
    result = subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.stderr}")
    return result


def _service_child(shim: Shim) -> int | None:
    """The pid of the shim's `podman system service` child, when it answers."""
    assert shim.proc is not None
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    sock = Path(runtime, "dockershim", "podman-service", f"{shim.proc.pid}.sock")
    children = Path(f"/proc/{shim.proc.pid}/task/{shim.proc.pid}/children")
    for pid in children.read_text().split():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"service" in cmdline and b"system" in cmdline and _answers(sock):
            return int(pid)
    return None


def _answers(sock: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2)
        probe.connect(str(sock))
        probe.sendall(b"GET /v4.0.0/libpod/_ping HTTP/1.0\r\n\r\n")
        return b" 200 " in probe.recv(64).split(b"\r\n")[0]
    except OSError:
        return False
    finally:
        probe.close()


def _wait_for_service_child(shim: Shim) -> int:
    """The child's pid, once it answers and the shim knows it does (its log says so)."""
    deadline = time.monotonic() + 60
    while (pid := _service_child(shim)) is None or "service child ready" not in shim.log():
        assert time.monotonic() < deadline, "no podman service child answered"
        time.sleep(0.1)
    return pid


def _processes_run(shim: Shim, since: int, verb: str) -> list[str]:
    """The runner's log lines of `podman <verb>` processes after log offset `since`."""
    return [line for line in shim.log()[since:].splitlines() if f"podman', '{verb}'" in line]


def test_changes_go_to_podmans_service_child(own_shim: Shim, cleanup: Cleanup) -> None:
    first = cleanup.container()
    _docker(own_shim, "create", "--name", first, "busybox", "true")  # asks for the child
    _wait_for_service_child(own_shim)
    name = cleanup.container()
    since = len(own_shim.log())
    _docker(own_shim, "run", "-d", "--name", name, "busybox", "sleep", "300")
    # an inspect after a start (new pid, addresses) asks the service too, not a process
    seen = json.loads(_docker(own_shim, "inspect", name).stdout)[0]
    assert seen["State"]["Running"] and seen["State"]["Pid"] > 0
    assert seen["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    _docker(own_shim, "kill", "--signal", "USR1", name)
    _docker(own_shim, "stop", "-t", "0", name)
    _docker(own_shim, "start", name)
    _docker(own_shim, "restart", "-t", "0", name)
    assert podman("inspect", "--format", "{{.State.Running}}", name).stdout.strip() == "true"
    _docker(own_shim, "rm", "-f", name)
    assert podman("container", "exists", name, check=False).returncode == 1
    for verb in ("create", "start", "stop", "restart", "kill", "rm", "container"):
        assert _processes_run(own_shim, since, verb) == [], verb
    # Docker's errors, as from the CLI path
    gone = _docker(own_shim, "stop", name, check=False)
    assert gone.returncode != 0 and f"No such container: {name}" in gone.stderr
    stopped = _docker(own_shim, "kill", first, check=False)
    assert stopped.returncode != 0 and "is not running" in stopped.stderr
    failing = cleanup.container()
    missing = _docker(
        own_shim, "run", "-d", "--name", failing, "busybox", "no-such-program", check=False
    )
    assert missing.returncode != 0 and "executable file not found" in missing.stderr


def test_a_fresh_services_first_run_is_made_by_the_child_not_by_processes(
    own_shim: Shim, cleanup: Cleanup
) -> None:
    """A cold `docker run`: the child starts beside the app's import and the first create
    waits for it (~0.05-0.3 s) instead of running `podman create` meanwhile."""
    name = cleanup.container()
    _docker(own_shim, "run", "-d", "--name", name, "busybox", "sleep", "300")
    for verb in ("create", "init", "start"):
        assert _processes_run(own_shim, 0, verb) == [], verb
    made = podman("container", "inspect", "--format", "{{.Config.CreateCommand}}", name)
    assert made.stdout.strip() in ("[]", "<no value>")  # a `podman create` process records its argv


def test_without_the_child_changes_run_as_processes(own_shim: Shim, cleanup: Cleanup) -> None:
    name = cleanup.container()
    _docker(own_shim, "create", "--name", name, "busybox", "sleep", "300")
    os.kill(_wait_for_service_child(own_shim), signal.SIGKILL)
    since = len(own_shim.log())
    _docker(own_shim, "start", name)
    _docker(own_shim, "stop", "-t", "0", name)
    _docker(own_shim, "rm", name)
    assert podman("container", "exists", name, check=False).returncode == 1
    assert _processes_run(own_shim, since, "start") and _processes_run(own_shim, since, "rm")


def test_containers_outlive_the_shim_and_its_service_child(
    own_shim: Shim, cleanup: Cleanup
) -> None:
    warm = cleanup.container()
    _docker(own_shim, "create", "--name", warm, "busybox", "true")
    child = _wait_for_service_child(own_shim)
    name = cleanup.container()
    serve = "echo served >/tmp/index.html; exec httpd -f -h /tmp -p 8080"
    _docker(own_shim, "run", "-d", "--name", name, "-p", "8080", "busybox", "sh", "-c", serve)
    port = _docker(own_shim, "port", name, "8080").stdout.split(":")[-1].strip()
    own_shim.stop()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child}").exists():
        assert time.monotonic() < deadline, "the service child outlived dockershim"
        time.sleep(0.1)
    time.sleep(1)
    state = podman("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
    assert state == "running"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
        assert answer.read() == b"served\n"


@pytest.fixture
def cli_shim() -> Iterator[Shim]:
    """A shim that creates every container with a `podman create` process."""
    workdir = Path(tempfile.mkdtemp(prefix="dockershim-cli-"))
    instance = Shim(workdir, "--idle-timeout", "0", "--no-podman-service").start()
    yield instance
    instance.stop()


def _bodies(
    network: str, share: Path, volume: str, peer: str, address: str
) -> list[dict[str, Any]]:
    """`peer` runs; `address` is free on `network`."""
    return [
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {}},
        {  # what docker compose sends for a plain service
            "Image": "busybox",
            "Cmd": ["sh", "-c", "env | sort; ulimit -n -u"],
            "Labels": {"com.docker.compose.project": "p", "com.docker.compose.service": "s"},
            "Env": ["A=1", "B=two words", "C="],
            "HostConfig": {"NetworkMode": network},
            "NetworkingConfig": {"EndpointsConfig": {network: {"Aliases": ["s", "p-s-1"]}}},
        },
        {
            "Image": "busybox",
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["id; pwd; hostname"],
            "User": "12:34",
            "WorkingDir": "/tmp/work",
            "Hostname": "box",
            "Tty": True,
            "OpenStdin": True,
            "StopTimeout": 3,
            "Env": ["HOME"],
            "HostConfig": {},
        },
        {  # restart policy; a container that removes itself
            "Image": "busybox",
            "Cmd": ["true"],
            "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}},
        },
        {"Image": "busybox", "Cmd": ["echo", "gone"], "HostConfig": {"AutoRemove": True}},
        {  # what Testcontainers sends: exposed ports, published on fixed and chosen host ports
            "Image": "busybox",
            "Cmd": ["true"],
            "ExposedPorts": {"80/tcp": {}, "81/tcp": {}, "53/udp": {}},
            "HostConfig": {
                "PortBindings": {
                    "80/tcp": [{"HostPort": "18481"}],
                    "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "18482"}],
                    "81/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18483"}],
                }
            },
        },
        {  # healthchecks as compose and Testcontainers send them; extra hosts
            "Image": "busybox",
            "Cmd": ["sh", "-c", "grep -E '[[:space:]](db|gw)$' /etc/hosts"],
            "Healthcheck": {
                "Test": ["CMD-SHELL", "test -e /proc/1 || exit 1"],
                "Interval": 2_000_000_000,
                "Timeout": 1_000_000_000,
                "StartPeriod": 3_000_000_000,
                "Retries": 2,
            },
            "HostConfig": {"ExtraHosts": ["db:10.0.0.5", "gw:fd00::1"]},
        },
        {"Image": "busybox", "Cmd": ["true"], "Healthcheck": {"Test": ["CMD", "ls", "/"]}},
        {"Image": "busybox", "Cmd": ["true"], "Healthcheck": {"Test": ["NONE"]}},
        {  # what Dev Containers and debugging setups send: capabilities, an init, read-only
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "grep Cap /proc/self/status; head -c 40 /proc/1/cmdline | "
                "tr '\\0' ' '; echo; touch /x 2>/dev/null || echo read-only",
            ],
            "HostConfig": {
                "CapAdd": ["SYS_PTRACE", "NET_ADMIN"],
                "CapDrop": ["MKNOD", "CHOWN"],
                "Init": True,
                "ReadonlyRootfs": True,
            },
        },
        {
            "Image": "busybox",
            "Cmd": ["sh", "-c", "grep CapEff /proc/self/status; ls /dev | wc -l"],
            "HostConfig": {"Privileged": True},
        },
        {  # security options, limits, groups and a stop signal, as compose and debuggers send
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; ulimit -n; ulimit -Hn; "
                "id -G; grep ' /dev/shm ' /proc/mounts | cut -d' ' -f4",
            ],
            "StopSignal": "SIGINT",
            "HostConfig": {
                "SecurityOpt": ["seccomp=unconfined", "no-new-privileges:true", "label=disable"],
                "Ulimits": [{"Name": "nofile", "Soft": 512, "Hard": 1024}],
                "GroupAdd": ["27", "100"],
                "ShmSize": 1 << 20,
            },
        },
        {  # a seccomp profile, as the docker CLI sends a file's (its JSON)
            "Image": "busybox",
            "Cmd": ["sh", "-c", "mkdir /tmp/x 2>&1; grep Seccomp: /proc/self/status"],
            "HostConfig": {
                "SecurityOpt": [
                    'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":'
                    '[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}'
                ]
            },
        },
        {  # compose's dns, dns_search and dns_opt
            "Image": "busybox",
            "Cmd": ["cat", "/etc/resolv.conf"],
            "HostConfig": {
                "NetworkMode": network,
                "Dns": ["10.0.0.53"],
                "DnsSearch": ["corp.example"],
                "DnsOptions": ["ndots:2"],
            },
        },
        {
            "Image": "busybox",
            "Cmd": ["ls", "/sys/class/net"],
            "HostConfig": {"NetworkMode": "none"},
        },
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"NetworkMode": "host"}},
        {  # compose's logging, sysctls, devices, ipc, pid and uts
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmax; "
                "ls -l /dev/mynull | cut -c1-10; hostname; test -d /proc/1/root || echo host",
            ],
            "HostConfig": {
                "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "tag": "web"}},
                "Sysctls": {"net.ipv4.ping_group_range": "0 1000", "kernel.shmmax": "65536"},
                "Devices": [
                    {
                        "PathOnHost": "/dev/null",
                        "PathInContainer": "/dev/mynull",
                        "CgroupPermissions": "rwm",
                    }
                ],
                "IpcMode": "shareable",
                "PidMode": "host",
                "UTSMode": "host",
            },
        },
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"LogConfig": {"Type": "none"}}},
        # `docker run --cgroupns`, compose's `cgroup:`
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"CgroupnsMode": "private"}},
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"CgroupnsMode": "host"}},
        {  # docker run -P; compose's oom_score_adj
            "Image": "busybox",
            "Cmd": ["cat", "/proc/self/oom_score_adj"],
            "ExposedPorts": {"8080/tcp": {}},
            "HostConfig": {"PublishAllPorts": True, "OomScoreAdj": 500},
        },
        {  # a raw API port range; compose's volumes_from
            "Image": "busybox",
            "Cmd": ["sh", "-c", "grep ' /peerdata ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1"],
            "ExposedPorts": {"80/tcp": {}, "81/tcp": {}},
            "HostConfig": {
                "PortBindings": {"80-81/tcp": [{"HostPort": "18491-18492"}]},
                "VolumesFrom": [f"{peer}:ro"],
            },
        },
        {  # a sidecar: compose's network_mode, pid and ipc "service:NAME"
            "Image": "busybox",
            "Cmd": ["sh", "-c", "ls /sys/class/net; ps -o comm"],
            "HostConfig": {
                "NetworkMode": f"container:{peer}",
                "PidMode": f"container:{peer}",
                "IpcMode": f"container:{peer}",
            },
        },
        {  # compose's ipv4_address and mac_address
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "ip -o -4 addr show eth0 | cut -d' ' -f7; cat /sys/class/net/eth0/address",
            ],
            "HostConfig": {"NetworkMode": network},
            "NetworkingConfig": {
                "EndpointsConfig": {
                    network: {
                        "IPAMConfig": {"IPv4Address": address},
                        "MacAddress": "02:42:ac:11:00:99",
                    }
                }
            },
        },
        {  # storage: a bind, named and anonymous volumes, as docker run -v and compose send them
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "cat /site/page; ls /data /cache; grep -E ' /(scratch|run/app) ' "
                "/proc/mounts | cut -d' ' -f2-4; touch /site/x || echo ro",
            ],
            "Volumes": {"/cache": {}},
            "HostConfig": {
                "Binds": [f"{share}:/site:ro", f"{volume}:/data:nocopy"],
                "Mounts": [
                    {
                        "Type": "bind",
                        "Source": str(share),
                        "Target": "/also/",
                        "BindOptions": {"Propagation": "rslave"},
                    },
                    {"Type": "volume", "Source": volume, "Target": "/db", "ReadOnly": True},
                    {"Type": "volume", "Target": "/anon"},
                    {"Type": "tmpfs", "Target": "/scratch", "TmpfsOptions": {"SizeBytes": 1 << 20}},
                ],
                "Tmpfs": {"/run/app": "size=64k"},
            },
        },
    ]


def _normal(
    raw: dict[str, Any], ident: str, name: str, skip: tuple[str, ...], chosen_ports: bool
) -> Any:
    text = json.dumps({k: v for k, v in raw.items() if k not in ("Created", "GraphDriver")})
    text = text.replace(ident, "ID").replace(ident[:12], "ID").replace(name, "NAME")
    if chosen_ports:  # host ports podman picks at create (PublishAllPorts)
        text = re.sub(r'"HostPort": "[0-9]+"', '"HostPort": "PORT"', text)
    text = re.sub("[0-9a-f]{64}", "HEX", text)  # anonymous volumes' names
    text = re.sub("profile-[0-9a-f]{16}", "PROFILE", text)  # a seccomp profile's file
    data = json.loads(text)
    for dotted in skip:
        *parents, last = dotted.split(".")
        holder = data
        for key in parents:
            holder = holder.get(key) or {}
        holder.pop(last, None)
    config = data.get("Config") or {}
    if isinstance(config.get("Env"), list):
        config["Env"] = sorted(config["Env"])  # podman's order comes from a Go map either way
    host = data.get("HostConfig") or {}
    for holder, key in ((data, "Mounts"), (host, "Binds"), (host, "Mounts")):
        if isinstance(holder.get(key), list):  # so do mounts' (the CLI's and the service's)
            holder[key] = sorted(holder[key], key=json.dumps)
    return data


def test_a_container_created_in_the_service_is_the_one_the_cli_creates(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup, tmp_path: Path
) -> None:
    network = cleanup.name("dstnet")
    cleanup.networks.append(network)
    podman("network", "create", network)
    volume = cleanup.name("dstvol")
    cleanup.volumes.append(volume)
    share = tmp_path / "share"
    share.mkdir()
    (share / "page").write_text("hello\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(share, 0o755)
    peer = cleanup.container()
    podman("run", "-d", "--name", peer, "-v", "/peerdata", "busybox", "sleep", "300")
    peer_mounts = json.loads(podman("container", "inspect", peer).stdout)[0]["Mounts"]
    cleanup.volumes.extend(m["Name"] for m in peer_mounts)  # removed after its users
    subnet = podman("network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}",
                    network).stdout.strip()  # fmt: skip
    address = str(ipaddress.ip_network(subnet)[200])
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    for body in _bodies(network, share, volume, peer, address):
        made = {}
        for shim in (own_shim, cli_shim):
            name = cleanup.container()
            with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket)) as client:
                answer = client.post(
                    "http://d/v1.41/containers/create", params={"name": name}, json=body
                )
                assert answer.status_code == 201, answer.text
                ident = answer.json()["Id"]
                docker_view = client.get(f"http://d/v1.41/containers/{ident}/json").json()
            podman_view = json.loads(podman("container", "inspect", ident).stdout)[0]
            chosen = bool(body.get("HostConfig", {}).get("PublishAllPorts"))
            made[shim] = (
                _normal(docker_view, ident, name, (), chosen),
                _normal(podman_view, ident, name, ("Config.CreateCommand",), chosen),
                _output(podman("start", "--attach", ident, check=False, timeout=60)),
            )
        assert made[own_shim] == made[cli_shim], (
            body,
            _differences(made[own_shim], made[cli_shim]),
        )
    assert _processes_run(own_shim, since, "create") == []


def _output(ran: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    return ran.returncode, "\n".join(
        line for line in ran.stdout.splitlines() if not line.startswith("HOSTNAME=")
    )


def _differences(mine: Any, theirs: Any, path: str = "") -> list[str]:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return [
            d for k in sorted(set(mine) | set(theirs))
            for d in _differences(mine.get(k, "<none>"), theirs.get(k, "<none>"), f"{path}.{k}")
        ]  # fmt: skip
    if (
        isinstance(mine, (list, tuple))
        and isinstance(theirs, (list, tuple))
        and len(mine) == len(theirs)
    ):
        return [
            d
            for i, (a, b) in enumerate(zip(mine, theirs, strict=True))
            for d in _differences(a, b, f"{path}[{i}]")
        ]
    return [] if mine == theirs else [f"{path}: service {mine!r} cli {theirs!r}"]


def _upload(compressed: bool) -> bytes:
    """A small tree with owners, modes and a link, as `docker cp` sends one."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz" if compressed else "w") as tar:
        folder = tarfile.TarInfo("d")
        folder.type, folder.mode, folder.uid, folder.gid = tarfile.DIRTYPE, 0o750, 7, 8
        tar.addfile(folder)
        data = b"through the child\n"
        item = tarfile.TarInfo("d/f")
        item.mode, item.uid, item.gid, item.size, item.mtime = 0o640, 7, 8, len(data), 1e9
        tar.addfile(item, io.BytesIO(data))
        link = tarfile.TarInfo("d/l")
        link.type, link.linkname = tarfile.SYMTYPE, "f"
        tar.addfile(link)
        clash = tarfile.TarInfo("plain")  # a file where a directory is: noOverwriteDirNonDir
        clash.size = 1
        tar.addfile(clash, io.BytesIO(b"x"))
    return out.getvalue()


def _landed(container: str, folder: str) -> str:
    """What the upload left in `folder`: owners, modes, sizes, link targets, content."""
    shown = podman(
        "exec", "--user", "0", container, "sh", "-c",
        f"cd {folder} && ls -lnR --full-time . | grep -v '^total' && cat d/f",
    )  # fmt: skip
    return shown.stdout


def test_an_upload_through_the_child_lands_as_through_the_cli(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup
) -> None:
    """docker cp into a container goes to libpod's archive PUT once the child is up (no `podman
    cp` process); owners (copyUIDGID), compressed archives and the type clash dockerd refuses
    with noOverwriteDirNonDir land or fail as through `podman cp -`."""
    container = cleanup.container()
    podman("run", "-d", "--name", container, "--user", "123:456", "busybox", "sleep", "300")
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    cases = [
        (compressed, params)
        for compressed in (False, True)
        for params in ({}, {"copyUIDGID": "1"}, {"noOverwriteDirNonDir": "1"})
    ]
    for number, (compressed, params) in enumerate(cases):
        outcome = {}
        for shim in (own_shim, cli_shim):
            folder = f"/tmp/up-{number}-{'svc' if shim is own_shim else 'cli'}"
            podman("exec", "--user", "0", container, "mkdir", "-p", f"{folder}/plain")
            podman("exec", "--user", "0", container, "chmod", "777", folder, f"{folder}/plain")
            podman(
                "exec", "--user", "0", container, "touch", "-t", "200001010000", f"{folder}/plain"
            )
            with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket)) as client:
                answer = client.put(
                    f"http://d/v1.45/containers/{container}/archive",
                    params={"path": folder, **params},
                    content=_upload(compressed),
                )
            message = answer.json()["message"] if answer.status_code != 200 else ""
            outcome[shim] = (
                answer.status_code,
                message.replace(folder, "FOLDER"),
                _landed(container, folder).replace(folder, "FOLDER"),
            )
        assert outcome[own_shim] == outcome[cli_shim], (compressed, params)
        assert (outcome[own_shim][0] == 200) == ("noOverwriteDirNonDir" not in params)
    assert _processes_run(own_shim, since, "cp") == []
    assert "PUT /containers/" in own_shim.log()[since:]


def _stats(shim: Shim, container: str, paths: list[str]) -> dict[str, Any]:
    """(status, stat) of `HEAD /archive` of each path (a directory's size left out)."""
    seen = {}
    with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket)) as client:
        for path in paths:
            answer = client.head(
                f"http://d/v1.45/containers/{container}/archive", params={"path": path}
            )
            header = answer.headers.get("x-docker-container-path-stat", "")
            stat = json.loads(base64.urlsafe_b64decode(header)) if header else None
            seen[path] = (answer.status_code, stat)
    return seen


def test_a_stat_in_a_stopped_container_through_the_child_is_dockerds(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup
) -> None:
    """`HEAD /archive` of a container that does not run asks podman's own stat in the child
    (no `podman cp` archiving the whole path). It answers as the container's files answer
    through /proc once it runs (dockerd's lstat: a link's own mode and size, and where it
    leads); files, directories and missing paths as the first entry of podman's archive
    answered before."""
    container = cleanup.container()
    podman("create", "--name", container, "busybox", "sleep", "300")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "f").write_text("twelve bytes")
        Path(folder, "f").chmod(0o4751)
        Path(folder, "to-f").symlink_to("f")
        Path(folder, "to-dir").symlink_to("/etc")
        podman("cp", folder, f"{container}:/data")
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    paths = ["/data/f", "/data", "/data/.", "/etc/", "/missing", "/data/f/x"]
    links = ["/data/to-f", "/data/to-dir", "/"]
    stopped = _stats(own_shim, container, paths + links)
    assert _processes_run(own_shim, since, "cp") == []
    archived = _stats(cli_shim, container, paths)
    for path in paths:
        ours, theirs = stopped[path], archived[path]
        if ours[1] and ours[1]["mode"] & (1 << 31):  # an inode's size; an entry has none
            theirs = (theirs[0], {**theirs[1], "size": ours[1]["size"]})
        assert ours == theirs, path
    podman("start", container)
    running = _stats(own_shim, container, paths + links)
    for path in paths + links:
        ours, theirs = stopped[path], running[path]
        if path in ("/", "/etc/"):  # the start writes /etc/hosts, /run/.containerenv, ...
            ours, theirs = (
                (ours[0], {**ours[1], "mtime": ""}),
                (theirs[0], {**theirs[1], "mtime": ""}),
            )
        assert ours == theirs, path
    assert stopped["/data/f"][1]["size"] == 12
    assert stopped["/data/f"][1]["mode"] == 0o751 | (1 << 23)  # Go's setuid bit
    assert stopped["/data/to-dir"][1]["linkTarget"] == "/etc"
    assert stopped["/data/to-f"][1]["mode"] & (1 << 27)  # Go's symlink bit
    assert stopped["/missing"][0] == 404


def test_an_owner_beyond_the_namespace_without_the_child(cli_shim: Shim, cleanup: Cleanup) -> None:
    """`podman cp -` stops at an owner the container cannot map, as the child's PUT does;
    the archive is copied again as the container's user (test_extras_files has the child's)."""
    container = cleanup.container()
    podman("run", "-d", "--name", container, "busybox", "sleep", "300")
    upload = io.BytesIO()
    with tarfile.open(fileobj=upload, mode="w") as tar:
        for entry, owner in (("a", 7), ("b", 1_234_567), ("c", 8)):
            info = tarfile.TarInfo(entry)
            info.size, info.uid, info.gid = 1, owner, owner
            tar.addfile(info, io.BytesIO(entry.encode()))
    with httpx.Client(transport=httpx.HTTPTransport(uds=cli_shim.socket)) as client:
        answer = client.put(
            f"http://d/v1.45/containers/{container}/archive",
            params={"path": "/tmp"},
            content=upload.getvalue(),
        )
    assert answer.status_code == 200, answer.text
    shown = podman("exec", container, "sh", "-c", "cd /tmp && stat -c '%n %u:%g' a b c; cat a b c")
    assert shown.stdout.split("\n") == ["a 0:0", "b 0:0", "c 0:0", "abc"]


def test_a_network_removal_goes_to_the_child(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup
) -> None:
    """`docker network rm` (compose down's last step) through the child's libpod API, no
    `podman network rm` process; without the child, the process; Docker's answers either way."""
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    for shim in (own_shim, cli_shim):
        net = cleanup.name("dsn")
        cleanup.networks.append(net)
        _docker(shim, "network", "create", net)
        _docker(shim, "network", "rm", net)
        assert podman("network", "exists", net, check=False).returncode == 1
        again = _docker(shim, "network", "rm", net, check=False)
        assert again.returncode != 0 and f"network {net} not found" in again.stderr
    seen = own_shim.log()[since:]
    assert "'network', 'rm'" not in seen and "DELETE /networks/" in seen


def test_a_rename_goes_to_the_child(own_shim: Shim, cli_shim: Shim, cleanup: Cleanup) -> None:
    """`docker rename` (compose renames each container it recreates) through the child's
    libpod API, no `podman rename` process; without the child, the process; dockerd's answers
    either way for a name in use, the same name and a bad name."""
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    answers = []
    for shim in (own_shim, cli_shim):
        name, taken, new = cleanup.container(), cleanup.container(), cleanup.container()
        _docker(shim, "create", "--name", name, "busybox", "true")
        _docker(shim, "create", "--name", taken, "busybox", "true")
        _docker(shim, "rename", name, new)
        assert podman("inspect", "--format", "{{.Name}}", new).stdout.strip() == new
        tries = [("rename", new, taken), ("rename", new, new), ("rename", new, "bad name!")]
        failed = [_docker(shim, *args, check=False) for args in tries]
        assert all(f.returncode != 0 for f in failed)
        taken_id = podman("inspect", "--format", "{{.Id}}", taken).stdout.strip()
        assert f'"/{taken}" is already in use by container "{taken_id}"' in failed[0].stderr
        answers.append([f.stderr.replace(new, "N").replace(taken, "T") for f in failed[1:]])
        answers[-1].append(
            failed[0].stderr.replace(new, "N").replace(taken, "T").replace(taken_id, "I")
        )
    assert answers[0] == answers[1]
    seen = own_shim.log()[since:]
    assert _processes_run(own_shim, since, "rename") == [] and "/rename" in seen


def test_network_connects_go_to_the_child(own_shim: Shim, cli_shim: Shim, cleanup: Cleanup) -> None:
    """`docker network connect` and `disconnect` (compose connects a service's further
    networks) through the child's libpod API, no podman process; without the child, the
    processes; the same endpoint (alias, address) and dockerd's answers either way for an
    endpoint already there, a container not connected and one that does not exist."""
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    answers = []
    for number, shim in enumerate((own_shim, cli_shim)):
        net, ctr = cleanup.name("dsn"), cleanup.container()
        cleanup.networks.append(net)
        _docker(shim, "network", "create", "--subnet", f"10.187.{number}.0/24", net)
        _docker(shim, "run", "-d", "--name", ctr, "busybox", "sleep", "300")
        address = f"10.187.{number}.42"
        _docker(shim, "network", "connect", "--alias", "db", "--ip", address, net, ctr)
        shown = json.loads(podman("inspect", ctr).stdout)[0]["NetworkSettings"]["Networks"][net]
        assert "db" in shown["Aliases"] and shown["IPAddress"] == address
        tries = [
            ("network", "connect", net, ctr),
            ("network", "connect", net, "no-such-ctr-dsn"),
        ]
        failed = [_docker(shim, *args, check=False) for args in tries]
        _docker(shim, "network", "disconnect", net, ctr)
        assert (
            net not in json.loads(podman("inspect", ctr).stdout)[0]["NetworkSettings"]["Networks"]
        )
        failed.append(_docker(shim, "network", "disconnect", net, ctr, check=False))
        assert all(f.returncode != 0 for f in failed)
        answers.append([f.stderr.replace(net, "N").replace(ctr, "C") for f in failed])
    assert answers[0] == answers[1]
    assert "already exists in network N" in answers[0][0]
    assert "is not connected to network N" in answers[0][2]
    for verb in ("'network', 'connect'", "'network', 'disconnect'"):
        assert verb not in own_shim.log()[since:]
    assert "/connect" in own_shim.log()[since:]


def test_image_tags_and_removals_go_to_the_child(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup
) -> None:
    """`docker tag`, `docker rmi` (an untag, a removal, a forced untag of an image a stopped
    container uses) and `docker image prune` through the child's libpod API, no `podman tag`,
    `untag`, `rmi` or `image prune` process; without the child, the processes; the same
    lines and dockerd's answers either way."""
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    seen = []
    for shim in (own_shim, cli_shim):
        source, user = cleanup.container(), cleanup.container()
        _docker(shim, "create", "--name", source, "busybox", "true")
        name = cleanup.name("dsi")
        cleanup.images += [f"{name}:1", f"{name}:2", f"{name}:3"]
        image = _docker(shim, "commit", source, f"{name}:1").stdout.strip()
        _docker(shim, "tag", f"{name}:1", f"{name}:2")
        _docker(shim, "tag", image, f"127.0.0.1:5000/{name}:3")
        cleanup.images.append(f"127.0.0.1:5000/{name}:3")
        tags = json.loads(_docker(shim, "image", "inspect", image).stdout)[0]["RepoTags"]
        assert sorted(tags) == sorted([f"{name}:1", f"{name}:2", f"127.0.0.1:5000/{name}:3"])
        lines = [
            _docker(shim, "rmi", f"{name}:1").stdout,
            _docker(shim, "rmi", f"127.0.0.1:5000/{name}:3").stdout,
        ]
        user_id = _docker(shim, "create", "--name", user, f"{name}:2", "true").stdout.strip()
        failed = [
            _docker(shim, "rmi", f"{name}:2", check=False),
            _docker(shim, "tag", "dsi-no-such-image", f"{name}:4", check=False),
        ]
        assert all(f.returncode != 0 for f in failed)
        lines.append(_docker(shim, "rmi", "-f", image).stdout)  # a stopped user: untagged
        assert podman("image", "exists", image).returncode == 0
        _docker(shim, "rm", user)
        _docker(shim, "tag", image, f"{name}:3")
        lines.append(_docker(shim, "rmi", f"{name}:3").stdout)  # the last name: deleted
        assert podman("image", "exists", image, check=False).returncode == 1
        untagged = _docker(shim, "commit", "-c", f"LABEL dsi={name}", source).stdout.strip()
        cleanup.images.append(untagged)
        pruned = _docker(shim, "image", "prune", "-f", "--filter", f"label=dsi={name}").stdout
        assert f"deleted: {untagged}" in pruned.lower()
        assert podman("image", "exists", untagged, check=False).returncode == 1
        short = image.removeprefix("sha256:")
        seen.append(
            [
                text.replace(name, "N")
                .replace(short, "I")
                .replace(short[:12], "i")
                .replace(user_id[:12], "C")
                for text in [*lines, *(f.stderr for f in failed)]
            ]
        )
    assert seen[0] == seen[1]
    assert seen[0][:4] == [
        "Untagged: N:1\n",
        "Untagged: 127.0.0.1:5000/N:3\n",
        "Untagged: N:2\n",
        "Untagged: N:3\nDeleted: sha256:I\n",
    ]
    assert "must force" in seen[0][4] and "No such image: dsi-no-such-image" in seen[0][5]
    for verb in ("tag", "untag", "rmi"):
        assert _processes_run(own_shim, since, verb) == [], verb
    assert "'image', 'prune'" not in own_shim.log()[since:]
    assert "/untag" in own_shim.log()[since:] and "/images/remove" in own_shim.log()[since:]
    assert "/images/prune" in own_shim.log()[since:]


@pytest.fixture
def image_volume_setting() -> Iterator[Path]:
    """A drop-in of the test user's containers.conf, removed afterwards."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    folder = base / "containers" / "containers.conf.d"
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    drop_in = folder / "zz-dockershim-test-image-volumes.conf"
    yield drop_in
    drop_in.unlink(missing_ok=True)
    if made:
        folder.rmdir()


def test_image_volumes_follow_containers_conf_in_the_service_as_in_the_cli(
    own_shim: Shim, cli_shim: Shim, cleanup: Cleanup, image_volume_setting: Path
) -> None:
    """podman's CLI takes `engine.image_volume_mode` from containers.conf; its libpod API does
    not, so the engine reads it and sends it along."""
    image = f"{cleanup.name('dsivm')}:latest"
    cleanup.images.append(image)
    with tempfile.TemporaryDirectory() as context:
        Path(context, "Dockerfile").write_text("FROM busybox\nVOLUME /from-image\n")
        podman("build", "-q", "-t", image, context, timeout=120)
    _docker(own_shim, "create", "--name", cleanup.container(), "busybox", "true")
    _wait_for_service_child(own_shim)
    since = len(own_shim.log())
    seen = {}
    for mode in ("tmpfs", "ignore", "bind"):
        image_volume_setting.write_text(f'[engine]\nimage_volume_mode = "{mode}"\n')
        for shim in (own_shim, cli_shim):
            name = cleanup.container()
            probe = "grep ' /from-image ' /proc/mounts | cut -d' ' -f3 | grep . || echo none"
            _docker(shim, "create", "--name", name, image, "sh", "-c", probe)
            mounts = json.loads(podman("container", "inspect", name).stdout)[0]["Mounts"]
            cleanup.volumes.extend(m["Name"] for m in mounts if m["Type"] == "volume")
            seen[mode, shim is own_shim] = (
                [m["Type"] for m in mounts if m["Destination"] == "/from-image"],
                _output(podman("start", "--attach", name, check=False, timeout=60)),
            )
    assert seen["tmpfs", True] == seen["tmpfs", False] == ([], (0, "tmpfs"))
    assert seen["ignore", True] == seen["ignore", False] == ([], (0, "none"))
    assert seen["bind", True][0] == seen["bind", False][0] == ["volume"]
    assert seen["bind", True][1] == seen["bind", False][1] != (0, "none")
    assert _processes_run(own_shim, since, "create") == []


def test_uploads_without_the_service_child_are_checked_whole_first(
    cli_shim: Shim, cleanup: Cleanup
) -> None:
    """Without the child, an upload goes to `podman cp -` only once all of it passed the
    checks: a refused one writes nothing, and no podman is stopped part way (which would
    leave its mount of the container counted)."""
    import docker as docker_py

    client = docker_py.DockerClient(base_url=cli_shim.url, version="auto", timeout=120)
    try:
        name = cleanup.container()
        container = client.containers.create("busybox", name=name)
        assert container.put_archive("/", one_file_tar("kept.txt", b"kept\n"))
        with pytest.raises(docker_py.errors.APIError) as info:
            container.put_archive("/tmp", one_file_tar("../../escape.txt", b"evil\n"))
        assert info.value.status_code == 400
        bits, stat = container.get_archive("/kept.txt")
        with tarfile.open(fileobj=io.BytesIO(b"".join(bits))) as archive:
            member = archive.extractfile("kept.txt")
            assert member is not None and member.read() == b"kept\n"
        assert stat["name"] == "kept.txt"
        exported = subprocess.run(
            [DOCKER, "export", name],
            capture_output=True,
            check=True,
            env={**os.environ, "DOCKER_HOST": cli_shim.url},
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(exported)) as archive:
            assert not [n for n in archive.getnames() if n.endswith("escape.txt")]
        mounted = podman("unshare", "podman", "mount", "--notruncate").stdout
        assert container.id not in mounted
    finally:
        client.close()
