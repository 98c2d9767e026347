"""The engine's answers (from podman's state files) against podman's CLI on the same objects.

Every change here is made with the podman CLI behind the shim's back (or by the container
itself), and every check reads through the shim at once: a container created a moment ago is
listed, one removed is never shown, states, exit codes and health are what podman says now.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Any

import docker as docker_py
import pytest

from dockershim.engine.images import Images
from dockershim.engine.top import Top
from dockershim.errors import InvalidParameter, NotFound
from dockershim.podman.libpod_state import snapshot
from dockershim.podman.netavark_configs import read_configs
from dockershim.podman.runner import Completed, PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.translate import images as timages
from dockershim.translate.archive import docker_changes
from dockershim.translate.container_inspect import inspect_body, podman_annotations
from dockershim.translate.container_status import docker_state
from dockershim.translate.container_top import EF_DESCRIPTORS, top_body
from dockershim.translate.endpoint_echo import echo_endpoints
from dockershim.translate.internal_pods import is_internal_listing, is_pause_image
from dockershim.translate.volumes import volume_to_docker
from tests.conftest import FIXTURE_IMAGE, Cleanup, DockerRun, podman


def _podman_states() -> dict[str, str]:
    listed = json.loads(podman("ps", "-a", "--format", "json").stdout or "[]")
    # the service's own pods (a build's, the network namespace's holder) are no Docker's
    return {c["Id"]: docker_state(c["State"]) for c in listed if not is_internal_listing(c)}


def _shim_states(dclient: Any) -> dict[str, str]:
    return {c["Id"]: c["State"] for c in dclient.api.containers(all=True)}


def _agree(shim: Any, podman_view: Any) -> None:
    """shim() == podman_view(), read between two equal podman readings (other tests' containers
    may change meanwhile: only a quiet moment compares)."""
    for _ in range(10):
        before = podman_view()
        seen = shim()
        if podman_view() == before:
            assert seen == before
            return
    raise AssertionError("podman's state never stood still long enough to compare")


def _podman_counts() -> tuple[int, int, int]:
    states = list(_podman_states().values())
    return len(states), states.count("running"), len(states) - states.count("running")


def _shim_counts(dclient: Any) -> tuple[int, int, int]:
    info = dclient.info()
    return info["Containers"], info["ContainersRunning"], info["ContainersStopped"]


def _same_as_podman(dclient: Any, ident: str) -> dict[str, Any]:
    """The shim's inspect equals the translation of a fresh `podman container inspect`."""
    shim = dclient.api.inspect_container(ident)
    raw = json.loads(podman("container", "inspect", "--format", "json", ident).stdout)[0]
    fresh = inspect_body(raw)
    version = tuple(int(p) for p in dclient.api.api_version.split("."))
    echo_endpoints(fresh, podman_annotations(raw), version)  # as the inspect route does
    for body in (shim, fresh):  # the shim adds network ids (podman shows names there)
        for net in body["NetworkSettings"]["Networks"].values():
            net.pop("NetworkID", None)
        body["ExecIDs"] = sorted(body["ExecIDs"] or []) or None  # podman's order is random
    assert shim == fresh
    return shim


def _wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.2)


def test_lists_follow_the_podman_cli_in_every_state(dclient: Any, cleanup: Cleanup) -> None:
    created = cleanup.container()
    running = cleanup.container()
    exited = cleanup.container()
    podman("create", "--name", created, FIXTURE_IMAGE, "true")
    # seen at once: nothing but podman knew of it
    ident = podman("inspect", "--format", "{{.Id}}", created).stdout.strip()
    assert _shim_states(dclient)[ident] == "created"
    assert dclient.api.inspect_container(created)["Id"] == ident
    podman("run", "-d", "--name", running, FIXTURE_IMAGE, "sleep", "600")
    podman("run", "--name", exited, FIXTURE_IMAGE, "sh", "-c", "exit 3", check=False)
    _agree(lambda: _shim_states(dclient), _podman_states)
    assert dclient.api.inspect_container(exited)["State"]["ExitCode"] == 3
    for name in (created, running, exited):
        _same_as_podman(dclient, name)
    running_ids = {c["Id"] for c in dclient.api.containers()}
    assert {c["Id"] for c in dclient.api.containers(all=True)} >= running_ids
    assert dclient.api.inspect_container(running)["Id"] in running_ids
    # removed behind the shim's back: gone at once, by name and by id
    podman("rm", "-f", "--time", "0", running)
    assert ident not in running_ids
    assert not any(c["Names"] == [f"/{running}"] for c in dclient.api.containers(all=True))
    with pytest.raises(Exception, match="No such container"):
        dclient.api.inspect_container(running)
    podman("rename", created, created + "-new")
    cleanup.container(created + "-new")
    assert dclient.api.inspect_container(created + "-new")["Id"] == ident
    with pytest.raises(Exception, match="No such container"):
        dclient.api.inspect_container(created)
    _agree(lambda: _shim_states(dclient), _podman_states)


def test_exits_nobody_asked_podman_about(dclient: Any, cleanup: Cleanup) -> None:
    """A container that ends by itself, or is killed from outside, is not shown running."""
    short = cleanup.container()
    killed = cleanup.container()
    podman("run", "-d", "--name", short, FIXTURE_IMAGE, "sh", "-c", "sleep 1; exit 7")
    podman("run", "-d", "--name", killed, FIXTURE_IMAGE, "sleep", "600")
    pid = dclient.api.inspect_container(killed)["State"]["Pid"]
    assert pid > 0
    os.kill(pid, signal.SIGKILL)  # the container's process belongs to the test user
    _wait_for(lambda: dclient.api.inspect_container(short)["State"]["Status"] == "exited")
    assert dclient.api.inspect_container(short)["State"]["ExitCode"] == 7
    _wait_for(lambda: dclient.api.inspect_container(killed)["State"]["Status"] == "exited")
    assert dclient.api.inspect_container(killed)["State"]["ExitCode"] == 137
    listed = {c["Names"][0] for c in dclient.api.containers()}
    assert f"/{short}" not in listed and f"/{killed}" not in listed
    _agree(lambda: _shim_states(dclient), _podman_states)
    _same_as_podman(dclient, short)
    _same_as_podman(dclient, killed)


def test_auto_removed_container_disappears(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    podman("run", "-d", "--rm", "--name", name, FIXTURE_IMAGE, "sleep", "1")
    assert any(c["Names"] == [f"/{name}"] for c in dclient.api.containers())

    def gone() -> bool:
        return not any(c["Names"] == [f"/{name}"] for c in dclient.api.containers(all=True))

    _wait_for(gone)
    with pytest.raises(Exception, match="No such container"):
        dclient.api.inspect_container(name)


def test_health_follows_podman(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    podman(
        "run", "-d", "--name", name, "--health-cmd", "test -e /tmp/ok",
        "--health-interval", "1h", "--health-retries", "1", FIXTURE_IMAGE, "sleep", "600",
    )  # fmt: skip
    shown = dclient.api.inspect_container(name)["State"]["Health"]["Status"]
    assert shown == podman("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
    podman("healthcheck", "run", name, check=False)
    assert dclient.api.inspect_container(name)["State"]["Health"]["Status"] == "unhealthy"
    _same_as_podman(dclient, name)
    podman("exec", name, "touch", "/tmp/ok")
    podman("healthcheck", "run", name)
    health = dclient.api.inspect_container(name)["State"]["Health"]
    assert health["Status"] == "healthy" and health["FailingStreak"] == 0
    _same_as_podman(dclient, name)


def test_exec_sessions_and_networks_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    first, net = cleanup.name("dsn"), cleanup.name("dsn")
    cleanup.networks += [first, net]
    podman("network", "create", first)
    podman("run", "-d", "--name", name, "--network", first, FIXTURE_IMAGE, "sleep", "600")
    before = dclient.api.inspect_container(name)
    podman("exec", "-d", name, "sleep", "300")
    after = dclient.api.inspect_container(name)
    assert len(after["ExecIDs"] or []) == len(before["ExecIDs"] or []) + 1
    _same_as_podman(dclient, name)
    podman("exec", name, "true")  # an exec that came and went
    _same_as_podman(dclient, name)
    podman("network", "create", net)
    assert net in {n["Name"] for n in dclient.api.networks()}
    # podman's own disconnect of the only running bridge container would remove its shared
    # rootless namespace (engine/netns_hold.py, which guards the shim's disconnects only)
    podman(
        "run",
        "-d",
        "--name",
        cleanup.container(),
        "--network",
        "bridge",
        FIXTURE_IMAGE,
        "sleep",
        "600",
    )
    podman("network", "connect", net, name)
    assert net in dclient.api.inspect_container(name)["NetworkSettings"]["Networks"]
    _same_as_podman(dclient, name)
    podman("network", "disconnect", net, name)
    assert net not in dclient.api.inspect_container(name)["NetworkSettings"]["Networks"]
    podman("network", "rm", net)
    assert net not in {n["Name"] for n in dclient.api.networks()}


def test_stops_and_starts_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    """A stop empties the addresses and namespace the kept inspect showed (patched from the
    state, engine/containers.py); a start again shows the new ones, as podman does."""
    name = cleanup.container()
    net = cleanup.name("dsn")
    cleanup.networks.append(net)
    podman("network", "create", net)
    podman("run", "-d", "--name", name, "--network", net, "-p", "127.0.0.1::80", FIXTURE_IMAGE,
           "sleep", "600")  # fmt: skip
    running = _same_as_podman(dclient, name)
    assert running["NetworkSettings"]["Networks"][net]["IPAddress"]
    assert running["NetworkSettings"]["SandboxKey"]
    podman("stop", "--time", "0", name)  # behind the shim's back
    stopped = _same_as_podman(dclient, name)
    assert stopped["State"]["Status"] == "exited"
    assert stopped["NetworkSettings"]["Networks"][net]["IPAddress"] == ""
    assert stopped["NetworkSettings"]["SandboxKey"] == ""
    dclient.api.start(name)
    dclient.api.stop(name, timeout=0)  # through the shim, as clients do
    _same_as_podman(dclient, name)
    dclient.api.start(name)
    again = _same_as_podman(dclient, name)
    assert again["NetworkSettings"]["Networks"][net]["IPAddress"]
    assert again["State"]["Pid"] > 0


def test_images_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    tag = f"{cleanup.name('dsi')}:v1"  # podman's localhost/NAME, as Docker shows it
    cleanup.images.append(f"localhost/{tag}")
    count = len(dclient.api.images())
    podman("tag", FIXTURE_IMAGE, f"localhost/{tag}")
    tags = {t for i in dclient.api.images() for t in i["RepoTags"] or []}
    assert tag in tags
    assert dclient.api.inspect_image(tag)["Id"] == dclient.api.inspect_image(FIXTURE_IMAGE)["Id"]
    assert dclient.info()["Images"] == len(dclient.api.images(all=True))
    podman("untag", FIXTURE_IMAGE, f"localhost/{tag}")
    assert tag not in {t for i in dclient.api.images() for t in i["RepoTags"] or []}
    with pytest.raises(Exception, match="No such image"):
        dclient.api.inspect_image(tag)
    assert len(dclient.api.images()) == count


def _podman_image_tags() -> dict[str, set[str]]:
    listed = json.loads(podman("images", "--format", "json").stdout or "[]")
    tags: dict[str, set[str]] = {}
    for image in (i for i in listed if not is_pause_image(i)):  # podman's own (internal_pods)
        # as Docker shows names: podman's localhost/ and docker.io/library/ dropped
        names = {n.removeprefix("localhost/").removeprefix("docker.io/library/") for n in image.get("Names") or []}  # fmt: skip
        tags.setdefault(f"sha256:{image['Id']}", set()).update(names)
    return tags


def test_the_image_list_follows_podman_as_containers_come_and_go(
    dclient: Any, cleanup: Cleanup
) -> None:
    """Docker's list does not count containers (-1, as dockerd's): it is kept across container
    changes, and stays podman's list of images through them and through an image change."""

    def shim() -> dict[str, set[str]]:
        listed = dclient.api.images()
        assert {i["Containers"] for i in listed} <= {-1}
        return {i["Id"]: set(i["RepoTags"] or []) for i in listed}

    _agree(shim, _podman_image_tags)
    podman("run", "--rm", FIXTURE_IMAGE, "true")
    name = cleanup.container()
    podman("create", "--name", name, FIXTURE_IMAGE)
    _agree(shim, _podman_image_tags)
    tag = f"{cleanup.name('dsk')}:v1"
    cleanup.images.append(f"localhost/{tag}")
    podman("tag", FIXTURE_IMAGE, f"localhost/{tag}")
    podman("rm", name)
    _agree(shim, _podman_image_tags)
    assert tag in set().union(*shim().values())


async def _ready_child(runner: PodmanRunner, folder: str) -> PodmanService:
    """A podman service child of its own, answering (the caller closes it)."""
    service = PodmanService(runner, folder)
    service.want()
    for _ in range(100):
        if service.ready:
            return service
        await asyncio.sleep(0.1)
    await service.close()
    raise AssertionError("podman's service child did not start")


class _Recording(PodmanRunner):
    """The real podman, each call noted."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    async def run(self, args: Sequence[str], **kwargs: Any) -> Completed:
        self.calls.append(list(args))
        return await super().run(args, **kwargs)


@pytest.mark.asyncio
async def test_image_answers_kept_for_the_next_activation_follow_the_store(
    cleanup: Cleanup, tmp_path: Any
) -> None:
    """engine/kept_images.py on the real store: a new service answers from what the last one
    kept while the store is unchanged, and asks podman again once a tag is added."""
    store = json.loads(podman("info", "--format", "json").stdout)["store"]

    async def store_info() -> tuple[str, str]:
        return store["graphRoot"], store["graphDriverName"]

    def service() -> tuple[_Recording, Images]:
        runner = _Recording()
        return runner, Images(runner, store_info, str(tmp_path))

    async def answers(images: Images) -> tuple[set[str], str | None]:
        listed = await images.listing(everything=False)
        found = await images.find(FIXTURE_IMAGE)
        return {i["Id"] for i in listed}, (found or {}).get("Id")

    first, images = service()
    seen = await answers(images)
    assert seen[1] is not None and seen[1] in seen[0]
    assert len(first.calls) >= 2
    await images.close()
    again, images = service()
    assert await answers(images) == seen
    assert again.calls == []
    tag = f"{cleanup.name('dsk')}:v1"
    cleanup.images.append(f"localhost/{tag}")
    podman("tag", FIXTURE_IMAGE, f"localhost/{tag}")
    assert await images.find(f"localhost/{tag}") is not None
    assert await answers(images) == seen
    assert ["images", "--format", "json"] in again.calls


def test_lists_with_sizes_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    """`docker ps -s`: the containers from podman's state, the sizes podman measures."""
    name = cleanup.container()
    script = "head -c 100000 /dev/zero > /f; sleep 600"
    podman("run", "-d", "--name", name, FIXTURE_IMAGE, "sh", "-c", script)

    def podman_sizes() -> dict[str, Any]:
        listed = json.loads(podman("ps", "-a", "--size", "--format", "json").stdout or "[]")
        return {c["Names"][0]: c.get("Size") for c in listed if c["Names"][0] == name}

    _wait_for(lambda: (podman_sizes()[name] or {}).get("rwSize", 0) >= 100000)

    def shim(everything: bool) -> dict[str, Any]:
        listed = dclient.api.containers(all=everything, size=True, filters={"name": name})
        return {
            c["Names"][0].lstrip("/"): {"rootFsSize": c["SizeRootFs"], "rwSize": c["SizeRw"]}
            for c in listed
        }

    _agree(lambda: shim(False), podman_sizes)
    podman("stop", "--time", "0", name)
    assert shim(False) == {}
    _agree(lambda: shim(True), podman_sizes)


def test_disk_usage_follows_podman(dclient: Any, cleanup: Cleanup) -> None:
    """`docker system df` from the engine: the containers with the sizes podman measures,
    each image with the containers podman counts for it, each volume with its bytes and the
    containers `podman system df -v` links to it (one mounting it twice counts once)."""
    volume = cleanup.name("dfc")
    cleanup.volumes.append(volume)
    podman("volume", "create", volume)
    running, created = cleanup.container(), cleanup.container()
    script = "head -c 3000 /dev/zero > /d/x; head -c 7000 /dev/zero > /f; sleep 600"
    podman("run", "-d", "--name", running, "-v", f"{volume}:/d", FIXTURE_IMAGE, "sh", "-c", script)
    podman("create", "--name", created, "-v", f"{volume}:/d", "-v", f"{volume}:/e",
           FIXTURE_IMAGE, "true")  # fmt: skip

    def podman_view() -> dict[str, Any]:
        sizes = json.loads(podman("ps", "-a", "--size", "--format", "json").stdout or "[]")
        images = json.loads(podman("images", "--format", "json").stdout or "[]")
        table = podman("system", "df", "-v").stdout
        links = [ln.split() for ln in table.split("Local Volumes space usage:")[1].splitlines()]
        return {
            "containers": {
                c["Names"][0]: (c["Size"]["rwSize"], c["Size"]["rootFsSize"])
                for c in sizes
                if c["Names"][0] in (running, created)
            },
            "images": {
                f"sha256:{i['Id']}": i["Containers"] for i in images if not is_pause_image(i)
            },
            "volume": [int(r[1]) for r in links if r and r[0] == volume],
        }

    def shim_view() -> dict[str, Any]:
        df = dclient.df()
        (mine,) = [v for v in df["Volumes"] if v["Name"] == volume]
        assert mine["UsageData"]["Size"] == 3000
        return {
            "containers": {
                c["Names"][0].lstrip("/"): (c["SizeRw"], c["SizeRootFs"])
                for c in df["Containers"]
                if c["Names"][0].lstrip("/") in (running, created)
            },
            "images": {i["Id"]: i["Containers"] for i in df["Images"]},
            "volume": [mine["UsageData"]["RefCount"]],
        }

    _wait_for(lambda: podman_view()["containers"][running][0] >= 7000)
    _agree(shim_view, podman_view)
    assert podman_view()["volume"] == [2]


@pytest.mark.asyncio
async def test_image_answers_of_the_service_child_are_the_cli_ones(
    cleanup: Cleanup, tmp_path: Any
) -> None:
    """engine/images.py asks podman's service child when it runs: its list and its inspect
    of each name (a tag, an id, a prefix, podman's localhost/ name, a miss) are what `podman
    images` and `podman image inspect` print, as Docker's shapes."""
    store = json.loads(podman("info", "--format", "json").stdout)["store"]
    tag = f"{cleanup.name('dsc')}:v1"
    cleanup.images.append(f"localhost/{tag}")
    podman("tag", FIXTURE_IMAGE, f"localhost/{tag}")

    async def store_info() -> tuple[str, str]:
        return store["graphRoot"], store["graphDriverName"]

    runner = _Recording()
    service = await _ready_child(runner, str(tmp_path))
    try:
        images = Images(runner, store_info, None, service)
        for everything in (False, True):
            listed = await images.listing(everything=everything)
            argv = ["images", "--format", "json"] + (["--all"] if everything else [])
            cli = [i for i in json.loads(podman(*argv).stdout) if not is_pause_image(i)]
            shim = {i["Id"]: timages.summary(i) for i in listed}
            assert shim == {i["Id"]: timages.summary(i) for i in cli}
        image_id = json.loads(podman("image", "inspect", FIXTURE_IMAGE).stdout)[0]["Id"]
        for name in (FIXTURE_IMAGE, tag, f"localhost/{tag}", image_id, image_id[:12]):
            found = await images.find(name)
            cli = json.loads(podman("image", "inspect", "--", name).stdout)[0]
            assert found == cli
        assert await images.find(cleanup.name("dsmissing")) is None
        # the history: one layer of busybox's, and a commit's two lines on top of it
        ctr = cleanup.container()
        podman("create", "--name", ctr, FIXTURE_IMAGE, "true")
        podman("commit", "-q", "-c", "LABEL dsh=1", ctr, f"localhost/{tag}")
        committed = json.loads(podman("image", "inspect", tag).stdout)[0]["Id"]
        for ident in (image_id, committed):
            cli_history = podman("history", "--no-trunc", "--format", "json", ident).stdout
            layers = timages.layers_from_cli(json.loads(cli_history))
            assert await images.history(ident) == layers
        assert len(layers) >= 2 and layers[0].image_id == committed
        with pytest.raises(NotFound):
            await images.history("0" * 64)
        assert runner.calls == []  # every answer came from the child
    finally:
        await service.close()


class _Inspected:
    """What engine/top.py asks of the engine's containers: podman's own inspect."""

    async def inspect(self, ref: str) -> dict[str, Any]:
        return dict(json.loads(podman("container", "inspect", ref).stdout)[0])


@pytest.mark.asyncio
async def test_top_of_the_service_child_is_the_cli_one(
    dclient: Any, cleanup: Cleanup, tmp_path: Any
) -> None:
    """`docker top`: podman's service child's rows, read as the table `podman top` prints
    (two processes, a command with blanks): the default columns, one ps_args word (`ps` in
    the container, or psgo's descriptors) and several (one string for the child, a list for
    the CLI), with no process; a failing `ps` is the CLI's 400."""
    name = cleanup.container()
    podman("run", "-d", "--name", name, FIXTURE_IMAGE, "sh", "-c", "sleep 600 & sleep 601")
    ident = json.loads(podman("container", "inspect", name).stdout)[0]["Id"]
    cli = top_body(podman("top", name, *EF_DESCRIPTORS).stdout, custom=False)
    assert len(cli["Processes"]) == 2
    assert dclient.api.top(name) == cli
    runner = _Recording()
    service = await _ready_child(runner, str(tmp_path))
    try:
        top = Top(runner, _Inspected(), service)  # type: ignore[arg-type]
        assert await top.processes(name, []) == cli
        for words in (["aux"], ["pid,user,args"], ["pid", "user", "args"], ["-o", "pid,args"]):
            cli = top_body(podman("top", name, *words).stdout, custom=True)
            assert [row[-1] for row in cli["Processes"]] == ["sleep 601", "sleep 600"]
            assert await top.processes(name, words) == cli
            assert dclient.api.top(name, ps_args=" ".join(words)) == cli
        assert runner.calls == []
        with pytest.raises(InvalidParameter, match="bogus"):
            await top.processes(name, ["--bogus"])
        assert runner.calls == [["top", "--", ident, "--bogus"]]
    finally:
        await service.close()
    with pytest.raises(docker_py.errors.APIError) as failed:
        dclient.api.top(name, ps_args="--bogus")
    assert failed.value.status_code == 400 and "bogus" in str(failed.value.explanation)


def test_diff_of_the_service_child_is_the_cli_one(dclient: Any, cleanup: Cleanup) -> None:
    """`docker diff`: podman's service child's changes, read as `podman diff` prints them
    (added, changed and deleted paths, podman's own mount points left out)."""
    name = cleanup.container()
    script = "mkdir -p /tmp/a/b; touch /tmp/a/b/c /etc/zz; rm /bin/yes; echo x >> /etc/passwd; sleep 600"  # fmt: skip
    podman("run", "-d", "--name", name, FIXTURE_IMAGE, "sh", "-c", script)
    cli: list[Any] = []
    for _ in range(50):  # the script has run
        cli = docker_changes(json.loads(podman("diff", "--format", "json", name).stdout))
        if {"Path": "/etc/zz", "Kind": 1} in cli:
            break
        time.sleep(0.1)
    assert {"Path": "/bin/yes", "Kind": 2} in cli and {"Path": "/etc/passwd", "Kind": 0} in cli
    assert dclient.api.diff(name) == cli


def test_info_counts_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    _agree(lambda: _shim_counts(dclient), _podman_counts)
    podman("run", "-d", "--name", name, FIXTURE_IMAGE, "sleep", "600")
    _agree(lambda: _shim_counts(dclient), _podman_counts)
    podman("stop", "--time", "0", name)
    _agree(lambda: _shim_counts(dclient), _podman_counts)


def _bolt_state() -> str:
    store = json.loads(podman("info", "--format", "json").stdout)["store"]
    return os.path.join(store["graphRoot"], "libpod", "bolt_state.db")


def test_volume_records_read_as_podman_prints_them(dclient: Any, cleanup: Cleanup) -> None:
    """podman/libpod_state.py `VolumeRecord.inspect` on the real database equals podman's own
    `volume ls` JSON, field for field, for volumes of every shape podman 4 makes locally:
    labels, mount options, anonymous, in use by a running container (mounted, copied up,
    chowned), and the shim's list is their translation."""
    base = cleanup.name("dsvr")
    names = [f"{base}-{i}" for i in range(5)]
    cleanup.volumes.extend(names)
    podman("volume", "create", names[0])
    podman("volume", "create", "--label", "k=v", "--label", "e=", names[1])
    podman("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=nodev", names[2])
    podman("volume", "create", names[3])
    running, anonymous = cleanup.container(), cleanup.container()
    mounts = ["-v", f"{names[2]}:/t", "-v", f"{names[3]}:/etc:U", "-v", f"{names[4]}:/data"]
    podman("run", "-d", "--name", running, *mounts, FIXTURE_IMAGE, "sleep", "600")
    podman("create", "--name", anonymous, "-v", "/anon", FIXTURE_IMAGE)
    anon = json.loads(podman("inspect", anonymous).stdout)[0]["Mounts"][0]["Name"]
    cleanup.volumes.append(anon)
    ours = {*names, anon}

    def podman_view() -> dict[str, Any]:
        listed = json.loads(podman("volume", "ls", "--format", "json").stdout or "[]")
        return {v["Name"]: v for v in listed if v["Name"] in ours}

    def records() -> dict[str, Any]:
        volumes = snapshot(_bolt_state()).volumes
        return {n: volumes[n].inspect() for n in ours if n in volumes}

    _agree(records, podman_view)
    seen = podman_view()
    assert seen[anon].get("Anonymous") and seen[names[1]]["Labels"] == {"k": "v", "e": ""}
    assert seen[names[2]]["MountCount"] == 1 and seen[names[2]]["Options"]["type"] == "tmpfs"
    assert all(v["Mountpoint"] for v in seen.values())

    def shim() -> dict[str, Any]:
        return {v["Name"]: v for v in dclient.api.volumes()["Volumes"] or [] if v["Name"] in ours}

    _agree(shim, lambda: {n: volume_to_docker(v) for n, v in podman_view().items()})

    def podman_dangling() -> set[str]:
        argv = ["volume", "ls", "--format", "json", "--filter", "dangling=true"]
        return {v["Name"] for v in json.loads(podman(*argv).stdout or "[]")} & ours

    def shim_dangling() -> set[str]:
        listed = dclient.api.volumes(filters={"dangling": True})["Volumes"] or []
        return {v["Name"] for v in listed} & ours

    _agree(shim_dangling, podman_dangling)  # the records' users are podman's VolumeInUse
    assert podman_dangling() == {names[0], names[1]}
    podman("rm", "-f", "-t0", running)
    _agree(records, podman_view)
    _agree(shim_dangling, podman_dangling)
    assert podman_dangling() == set(names)


def test_network_configs_read_as_podman_prints_them(dclient: Any, cleanup: Cleanup) -> None:
    """podman/netavark_configs.py on the real folder equals podman's own `network ls` JSON for
    networks of every shape podman 4 makes (subnets with ranges, IPv6, internal, labels,
    options, no DNS), and the shim lists each one made behind its back, and none removed."""
    store = json.loads(podman("info", "--format", "json").stdout)["store"]
    folder = os.path.join(store["graphRoot"], "networks")
    base = cleanup.name("dsn")
    names = [f"{base}-{i}" for i in range(4)]
    podman("network", "create", names[0])
    podman(
        "network", "create", "--internal", "--label", "k=v", "--subnet", "10.97.5.0/24",
        "--ip-range", "10.97.5.128/25", "--ipv6", "--subnet", "fd00:97::/64", "-o", "mtu=1400",
        names[1],
    )  # fmt: skip
    podman("network", "create", "--disable-dns", "--subnet", "10.97.7.0/24", "--gateway",
           "10.97.7.254", "-o", "isolate=true", names[2])  # fmt: skip
    podman("network", "create", "--internal", "--disable-dns", names[3])
    cleanup.networks.extend(names)
    ours = set(names)

    def podman_view() -> dict[str, Any]:
        listed = json.loads(podman("network", "ls", "--format", "json").stdout or "[]")
        return {n["name"]: n for n in listed if n["name"] in ours}

    def files() -> dict[str, Any]:
        read = read_configs(folder)
        assert read is not None
        return {n["name"]: n for n in read[1] if n["name"] in ours}

    def shim() -> set[str]:
        return {n["Name"] for n in dclient.api.networks() if n["Name"] in ours}

    _agree(files, podman_view)
    assert shim() == ours
    podman("network", "rm", names[0])
    _agree(files, podman_view)
    assert shim() == ours - {names[0]}


def test_volumes_follow_podman(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.name("dsv")
    cleanup.volumes.append(name)

    def names() -> set[str]:
        return {v["Name"] for v in dclient.api.volumes()["Volumes"] or []}

    assert name not in names()
    podman("volume", "create", "--label", "k=v", name)
    assert name in names()
    listed = next(v for v in dclient.api.volumes()["Volumes"] if v["Name"] == name)
    assert listed["Labels"] == {"k": "v"}
    # an inspect (answered from the listing) is the translation of podman's own inspect
    fresh = json.loads(podman("volume", "inspect", name).stdout)[0]
    assert dclient.api.inspect_volume(name) == volume_to_docker(fresh)
    podman("volume", "rm", name)
    assert name not in names()
    with pytest.raises(docker_py.errors.NotFound):
        dclient.api.inspect_volume(name)


def test_volume_names_are_exact(dclient: Any, docker: DockerRun, cleanup: Cleanup) -> None:
    """podman's CLI takes a unique prefix of a volume's name for inspect and rm; Docker takes
    names only, so `docker volume rm PREFIX` must not remove another volume."""
    name = cleanup.name("dsv")
    cleanup.volumes.append(name)
    podman("volume", "create", name)
    prefix = name[:-3]
    assert podman("volume", "inspect", prefix, check=False).returncode == 0  # podman's way
    for attempt in (dclient.api.inspect_volume, dclient.api.remove_volume):
        with pytest.raises(docker_py.errors.NotFound) as missing:
            attempt(prefix)
        assert f"get {prefix}: no such volume" in str(missing.value)
    docker("volume", "rm", "-f", prefix)  # -f: a missing volume is no error (docker-py sends no -f)
    assert podman("volume", "exists", name, check=False).returncode == 0


def test_parallel_mutations_each_get_their_own_answer(dclient: Any, cleanup: Cleanup) -> None:
    """Twin requests arriving together are done by one podman call (engine/batches.py); each
    client still gets the answer of its own container."""
    from concurrent.futures import ThreadPoolExecutor

    names = [cleanup.container() for _ in range(6)]
    for name in names:
        podman("run", "-d", "--name", name, FIXTURE_IMAGE, "sleep", "600")
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda n: dclient.api.stop(n, timeout=0), names))
    assert all(dclient.api.inspect_container(n)["State"]["Status"] == "exited" for n in names)
    podman("rm", names[0])
    with ThreadPoolExecutor(6) as pool:
        errors = list(pool.map(lambda n: _error_of(lambda: dclient.api.start(n)), names))
    assert "No such container" in errors[0] and errors[1:] == [""] * 5
    assert all(dclient.api.inspect_container(n)["State"]["Running"] for n in names[1:])
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda n: dclient.api.remove_container(n, force=True), names[1:]))
    assert not {f"/{n}" for n in names} & {c["Names"][0] for c in dclient.api.containers(all=True)}
    _agree(lambda: _shim_states(dclient), _podman_states)


def _error_of(call: Any) -> str:
    try:
        call()
    except Exception as exc:
        return str(exc)
    return ""


def test_a_removal_under_way_shows_as_dockerd_shows_it(dclient: Any, cleanup: Cleanup) -> None:
    """podman holds the container's lock for the whole removal, so its CLI waits and then
    finds nothing; the state it recorded meanwhile says "removing", and the shim answers from
    it at once, as dockerd does: "Removal In Progress" in the list, a second rm and a start
    refused with 409. The removal is held open by an exec process that takes 3 s to leave on
    SIGTERM: it shares another container's pid namespace, so killing the container's own
    process leaves it running, and podman stops exec sessions after it marks the removal."""
    import threading

    owner, name = cleanup.container(), cleanup.container()
    podman("run", "-d", "--name", owner, FIXTURE_IMAGE, "sleep", "600")
    podman("run", "-d", "--name", name, "--pid", f"container:{owner}", FIXTURE_IMAGE,
           "sleep", "600")  # fmt: skip
    podman("exec", "-d", name, "sh", "-c",
           "trap 'sleep 3; exit 0' TERM; while :; do sleep 0.1; done")  # fmt: skip
    ident = dclient.api.inspect_container(name)["Id"]

    errors: list[BaseException] = []

    def remove() -> None:
        try:
            dclient.api.remove_container(name, force=True)
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    removal = threading.Thread(target=remove)
    removal.start()
    try:
        _wait_for(lambda: dclient.api.inspect_container(name)["State"]["Status"] == "removing",
                  timeout=10)  # fmt: skip
        podman_cli = subprocess.Popen(
            ["podman", "container", "inspect", "--format", "{{.State.Status}}", name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        listed = dclient.api.containers(all=True, filters={"id": ident})
        assert [(c["State"], c["Status"]) for c in listed] == [("removing", "Removal In Progress")]
        with pytest.raises(docker_py.errors.APIError) as second:
            dclient.api.remove_container(name, force=True)
        assert second.value.status_code == 409
        assert f"removal of container {name} is already in progress" in str(second.value)
        with pytest.raises(docker_py.errors.APIError) as start:
            dclient.api.start(name)
        assert start.value.status_code == 409
        assert "marked for removal" in str(start.value)
        # all of that while podman's own CLI still waited for the container's lock
        assert podman_cli.poll() is None
        assert dclient.api.inspect_container(name)["State"]["Status"] == "removing"
    finally:
        removal.join(timeout=60)
    assert not errors
    out, err = podman_cli.communicate(timeout=60)
    assert podman_cli.returncode != 0 and "no such" in err.lower(), (out, err)
    with pytest.raises(docker_py.errors.NotFound):
        dclient.api.inspect_container(name)
    assert dclient.api.containers(all=True, filters={"id": ident}) == []


def test_a_removal_podman_reports_failed_but_made_is_done(dclient: Any, cleanup: Cleanup) -> None:
    """podman removes a container even when a clean-up step before it failed, and then
    reports the failure. Here podman 4.3 cannot stop an exec process that ignores SIGTERM in
    a shared pid namespace (its "SIGKILL" step sends SIGTERM again): `docker rm -f` is done,
    as with dockerd, since the container is gone (the shim logs podman's words)."""
    owner, name = cleanup.container(), cleanup.container()
    podman("run", "-d", "--name", owner, FIXTURE_IMAGE, "sleep", "600")
    podman("run", "-d", "--name", name, "--pid", f"container:{owner}", "--stop-timeout", "1",
           FIXTURE_IMAGE, "sleep", "600")  # fmt: skip
    podman("exec", "-d", name, "sh", "-c", "trap '' TERM; sleep 600")
    dclient.api.remove_container(name, force=True)
    with pytest.raises(docker_py.errors.NotFound):
        dclient.api.inspect_container(name)
    assert podman("container", "exists", name, check=False).returncode == 1


def test_the_event_log_read_as_podman_reads_it(cleanup: Cleanup) -> None:
    """The history of `docker events --since` read from podman's log file (engine/events.py)
    holds the lines `podman events --stream=false --since` prints, byte for byte (compared
    in a quiet moment: other writers may append meanwhile)."""
    from dockershim.engine.events import read_event_log
    from dockershim.podman.containers_conf import ContainersConf

    info = json.loads(podman("info", "--format", "json").stdout)
    assert info["host"]["eventLogger"] == "file"  # rootless without a user journal here
    path = ContainersConf().events_log_path()
    assert path is not None and os.path.isfile(path)
    since = int(time.time()) - 1
    name = cleanup.container()
    podman("create", "--name", name, FIXTURE_IMAGE, "true")
    podman("rm", name)

    def printed() -> list[bytes]:
        argv = ["events", "--stream=false", "--format", "json", "--since", str(since)]
        return [ln.encode() + b"\n" for ln in podman(*argv).stdout.splitlines()]

    for _ in range(10):
        before = printed()
        read = read_event_log(path, since * 1_000_000_000)
        if printed() == before:
            assert read == before
            assert any(name.encode() in line and b'"remove"' in line for line in read)
            return
    raise AssertionError("podman's event log never stood still long enough to compare")
