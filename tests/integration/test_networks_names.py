"""Network names dockerd takes and podman refuses (spaces, ...): the docker CLI and docker-py
see the Docker name everywhere while podman holds a derived name (translate/network_names.py).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from dockershim.translate.network_names import NAME_LABEL, podman_name
from tests.conftest import DOCKER, Cleanup, DockerRun, podman

HTTPD = "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && httpd -f -p 8080 -h /www"


def _spaced(cleanup: Cleanup, prefix: str = "dsn sp") -> str:
    name = cleanup.name(prefix)
    cleanup.networks.append(podman_name(name))
    return name


def test_spaced_network_through_the_cli(docker: DockerRun, cleanup: Cleanup) -> None:
    name = _spaced(cleanup)
    since = str(int(time.time()) - 1)
    net_id = docker("network", "create", "--label", "team=a", name).stdout.strip()
    raw = json.loads(podman("network", "inspect", podman_name(name)).stdout)[0]
    assert raw["id"] == net_id and raw["labels"][NAME_LABEL] == name
    net = json.loads(docker("network", "inspect", name).stdout)[0]
    assert (net["Name"], net["Id"], net["Labels"]) == (name, net_id, {"team": "a"})
    listed = docker("network", "ls", "--format", "{{.Name}}", "-f", f"name={name}").stdout
    assert listed.splitlines() == [name]
    by_id = docker("network", "ls", "--format", "{{.Name}}", "-f", f"id={net_id[:12]}").stdout
    assert by_id.splitlines() == [name]
    # the derived podman name is no Docker name
    missing = docker("network", "inspect", podman_name(name), check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr
    dup = docker("network", "create", name, check=False)
    assert dup.returncode != 0 and f"network with name {name} already exists" in dup.stderr

    server, client, late = cleanup.container(), cleanup.container(), cleanup.container()
    docker("run", "-d", "--name", server, "--network", name, "--network-alias", "webalias",
           "busybox", "sh", "-c", HTTPD)  # fmt: skip
    docker("run", "-d", "--name", client, "--network", name, "busybox", "sleep", "300")
    docker("run", "-d", "--name", late, "busybox", "sleep", "300")
    docker("network", "connect", "--alias", "latealias", name, late)
    for source, host in ((client, "webalias"), (late, server)):
        fetched = docker(
            "exec", source, "sh", "-c",
            f"for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://{host}:8080/ && exit 0;"
            " sleep 0.5; done; exit 1",
        )  # fmt: skip
        assert fetched.stdout.startswith("hello-from-")

    info = json.loads(docker("inspect", server).stdout)[0]
    assert info["HostConfig"]["NetworkMode"] == name
    assert list(info["NetworkSettings"]["Networks"]) == [name]
    assert info["NetworkSettings"]["Networks"][name]["NetworkID"] == net_id
    late_nets = json.loads(docker("inspect", late).stdout)[0]["NetworkSettings"]["Networks"]
    assert set(late_nets) == {"bridge", name}
    ps = docker("ps", "--format", "{{.Names}}\t{{.Networks}}", "-f", f"network={name}").stdout
    on_net = dict(line.split("\t") for line in ps.splitlines())
    assert {k: set(v.split(",")) for k, v in on_net.items()} == {
        server: {name},
        client: {name},
        late: {"bridge", name},
    }
    net = json.loads(docker("network", "inspect", name).stdout)[0]
    assert {c["Name"] for c in net["Containers"].values()} == {server, client, late}
    in_use = docker("network", "ls", "--format", "{{.Name}}", "-f", "dangling=false").stdout
    assert name in in_use.splitlines()

    docker("network", "disconnect", name, late)
    assert set(json.loads(docker("inspect", late).stdout)[0]["NetworkSettings"]["Networks"]) == {
        "bridge"
    }
    busy = docker("network", "rm", name, check=False)
    assert busy.returncode != 0 and "active endpoints" in busy.stderr
    until = str(int(time.time()) + 1)
    events = docker(
        "events", "--since", since, "--until", until, "-f", "type=network",
        "--format", "{{json .}}",
    ).stdout  # fmt: skip
    seen = [json.loads(line) for line in events.splitlines() if line.startswith("{")]
    ours = [e for e in seen if e["Actor"]["ID"] == net_id]
    assert ours and {e["Actor"]["Attributes"]["name"] for e in ours} == {name}
    assert {"connect", "disconnect"} <= {e["Action"] for e in ours}
    docker("rm", "-f", server, client, late)
    absent = docker("create", "--network", f"{name} gone", "busybox", "true", check=False)
    assert absent.returncode != 0 and f"network {name} gone not found" in absent.stderr
    docker("network", "rm", name)
    assert podman("network", "exists", podman_name(name), check=False).returncode != 0


def test_spaced_network_through_docker_py(dclient: Any, cleanup: Cleanup) -> None:
    name = _spaced(cleanup, "dsn py:")
    net = dclient.networks.create(name, labels={"dsprune": name})
    assert dclient.networks.get(name).name == name
    assert [n.id for n in dclient.networks.list(names=[name])] == [net.id]
    endpoint = dclient.api.create_endpoint_config(aliases=["pyalias"])
    ctr_id = dclient.api.create_container(
        "busybox",
        ["sleep", "300"],
        name=cleanup.container(),
        host_config=dclient.api.create_host_config(network_mode=name),
        networking_config=dclient.api.create_networking_config({name: endpoint}),
    )["Id"]
    dclient.api.start(ctr_id)
    ctr = dclient.containers.get(ctr_id)
    settings = ctr.attrs["NetworkSettings"]["Networks"]
    assert list(settings) == [name] and "pyalias" in settings[name]["Aliases"]
    assert ctr.attrs["HostConfig"]["NetworkMode"] == name
    summary = dclient.api.containers(filters={"id": ctr_id})[0]
    assert list(summary["NetworkSettings"]["Networks"]) == [name]
    other = dclient.containers.run("busybox", ["sleep", "300"], name=cleanup.container(),
                                   detach=True)  # fmt: skip
    net.connect(other, aliases=["second"])
    net.reload()
    assert {c.id for c in net.containers} == {ctr_id, other.id}
    net.disconnect(other)
    ctr.remove(force=True)
    other.remove(force=True)
    pruned = dclient.networks.prune(filters={"label": f"dsprune={name}"})
    assert pruned.get("NetworksDeleted") == [name]


COMPOSE_FILE = """\
services:
  web:
    image: busybox
    command: ["sh", "-c", "{httpd}"]
  client:
    image: busybox
    command: ["sleep", "3600"]
networks:
  default:
    name: "{network}"
"""


def test_compose_v2_project_on_a_spaced_network(
    docker_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    project = cleanup.name("dsnc").replace("-", "")
    network = _spaced(cleanup, "dsn compose")
    (tmp_path / "compose.yaml").write_text(COMPOSE_FILE.format(httpd=HTTPD, network=network))
    env = {**docker_env, "COMPOSE_PROJECT_NAME": project}

    def compose(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [DOCKER, "compose", "-f", str(tmp_path / "compose.yaml"), "-p", project, *args]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert result.returncode == 0, f"{argv}: {result.stdout}\n{result.stderr}"
        return result

    try:
        compose("up", "-d")
        fetched = compose(
            "exec", "-T", "client", "sh", "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://web:8080/ && exit 0;"
            " sleep 0.5; done; exit 1",
        )  # fmt: skip
        assert fetched.stdout.startswith("hello-from-")
        # a second `up` finds everything as it left it: nothing is recreated
        again = compose("up", "-d")
        assert "Recreate" not in again.stderr and "Created" not in again.stderr
        compose("down", "-t", "0")
        assert podman("network", "exists", podman_name(network), check=False).returncode != 0
    finally:
        subprocess.run(
            [DOCKER, "compose", "-f", str(tmp_path / "compose.yaml"), "-p", project, "down",
             "-t", "0"], env=env, capture_output=True, timeout=300, check=False,
        )  # fmt: skip
