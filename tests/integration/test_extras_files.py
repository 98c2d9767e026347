"""Proofs for docker cp, diff, export, update, system prune and a held events stream, through
the docker CLI and docker-py against real rootless podman."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCKER, Cleanup, DockerRun, Shim, podman


def _tree(root: Path) -> Path:
    tree = root / "tree"
    (tree / "sub" / "deep").mkdir(parents=True)
    (tree / "f").write_text("hello\n")
    (tree / "f").chmod(0o741)
    (tree / "sub" / "deep" / "g").write_text("deep\n")
    (tree / "private").mkdir(mode=0o700)
    (tree / "private").chmod(0o700)
    (tree / "rel").symlink_to("f")
    (tree / "sub" / "up").symlink_to("../f")
    (tree / "abs").symlink_to("/etc/passwd")
    return tree


def _describe(root: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        link = os.readlink(path) if path.is_symlink() else ""
        out[str(path.relative_to(root))] = (st.st_mode, link)
    return out


def test_cp_a_tree_in_and_out_of_a_stopped_container(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    tree = _tree(tmp_path)
    name = cleanup.container()
    docker("create", "--name", name, "busybox")
    docker("cp", str(tree), f"{name}:/opt")  # /opt does not exist: the tree becomes /opt
    docker("cp", str(tree), f"{name}:/tmp")  # /tmp exists: the tree goes inside
    out = tmp_path / "out"
    out.mkdir()
    docker("cp", f"{name}:/opt", str(out / "opt"))
    docker("cp", f"{name}:/tmp/tree", str(out))
    docker("cp", f"{name}:/tmp/tree/.", str(out / "dot"))
    expected = _describe(tree)
    assert _describe(out / "opt") == expected
    assert _describe(out / "tree") == expected
    assert _describe(out / "dot") == expected
    assert (out / "tree" / "f").read_text() == "hello\n"
    # a single file, renamed on the way out, and a missing path
    docker("cp", f"{name}:/tmp/tree/sub/deep/g", str(out / "g2"))
    assert (out / "g2").read_text() == "deep\n"
    missing = docker("cp", f"{name}:/nonexistent", str(out), check=False)
    assert missing.returncode == 1
    assert "Could not find the file /nonexistent in container" in missing.stderr
    for args in (("nosuchctr:/etc", str(out)), (str(tree), "nosuchctr:/tmp")):
        gone = docker("cp", *args, check=False)
        assert gone.returncode == 1 and "No such container: nosuchctr" in gone.stderr


def test_cp_ownership_and_stream(
    docker: DockerRun, docker_env: dict[str, str], cleanup: Cleanup, tmp_path: Path
) -> None:
    """Owners as dockerd sets them (since 17.06, moby#34096; its CLI help says otherwise):
    `docker cp` keeps the archive's (the local files' owner), and so does `-a` into a
    container without a user; `-a` into one with a user gives its entries that user."""
    tree = _tree(tmp_path)
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    docker("cp", str(tree), f"{name}:/plain")
    docker("cp", "-a", str(tree), f"{name}:/kept")
    owners = podman("exec", name, "stat", "-c", "%u:%g %a", "/plain/f", "/kept/f").stdout.split(
        "\n"
    )
    uid, gid = os.getuid(), os.getgid()
    assert owners[0] == f"{uid}:{gid} 741"
    assert owners[1] == f"{uid}:{gid} 741"
    user = cleanup.container()
    docker("run", "-d", "--name", user, "--user", "123:456", "busybox", "sleep", "300")
    docker("cp", str(tree), f"{user}:/tmp/plain")
    docker("cp", "-a", str(tree), f"{user}:/tmp/chowned")
    owners = podman(
        "exec", user, "stat", "-c", "%u:%g", "/tmp/plain/f", "/tmp/chowned/f", "/tmp/chowned/sub"
    ).stdout.split()
    assert owners == [f"{uid}:{gid}", "123:456", "123:456"]
    # symlinks in a running container: -L follows the link's target (stat's linkTarget), and a
    # destination that is a link to a directory is written through
    out = tmp_path / "out"
    out.mkdir()
    docker("cp", "-L", f"{name}:/plain/rel", str(out / "followed"))
    assert (out / "followed").read_text() == "hello\n" and not (out / "followed").is_symlink()
    podman("exec", name, "ln", "-s", "/plain/sub", "/linkdir")
    docker("cp", str(tree / "f"), f"{name}:/linkdir")
    assert podman("exec", name, "cat", "/plain/sub/f").stdout == "hello\n"
    # `docker cp - C:/dir` with a tar on stdin, `docker cp C:path -` to stdout
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        info = tarfile.TarInfo("streamed.txt")
        info.size, info.mode = 3, 0o600
        archive.addfile(info, io.BytesIO(b"abc"))
    subprocess.run(
        [DOCKER, "cp", "-", f"{name}:/tmp"],
        input=data.getvalue(),
        check=True,
        env=docker_env,
        capture_output=True,
    )
    out = subprocess.run(
        [DOCKER, "cp", f"{name}:/tmp/streamed.txt", "-"],
        check=True,
        env=docker_env,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(out)) as archive:
        (member,) = archive.getmembers()
        assert member.name == "streamed.txt" and member.mode == 0o600
        extracted = archive.extractfile(member)
        assert extracted is not None and extracted.read() == b"abc"


def _export_names(env: dict[str, str], name: str) -> list[str]:
    exported = subprocess.run(
        [DOCKER, "export", name], capture_output=True, check=True, env=env
    ).stdout
    listing = subprocess.run(["tar", "t"], input=exported, capture_output=True, check=True)
    return listing.stdout.decode().split()


def _crafted(*names: str, link: tuple[str, str] | None = None) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = 5
            archive.addfile(info, io.BytesIO(b"evil\n"))
        if link:
            info = tarfile.TarInfo(link[0])
            info.type, info.linkname = tarfile.SYMTYPE, link[1]
            archive.addfile(info)
    return data.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        _crafted("ok.txt", "../../escape.txt"),
        _crafted("ok.txt", link=("lnk", "../../../etc")),
    ],
)
def test_crafted_tar_is_refused_and_nothing_written(
    dclient: Any, docker_env: dict[str, str], cleanup: Cleanup, body: bytes
) -> None:
    import docker as docker_py

    name = cleanup.container()
    container = dclient.containers.create("busybox", name=name)
    with pytest.raises(docker_py.errors.APIError) as info:
        container.put_archive("/tmp", body)
    assert info.value.status_code == 400
    assert "outside of '/tmp'" in str(info.value)
    names = _export_names(docker_env, name)
    assert "bin/sh" in names
    assert not [n for n in names if n.endswith(("ok.txt", "escape.txt", "lnk"))]
    cli = subprocess.run(
        [DOCKER, "cp", "-", f"{name}:/tmp"], input=body, capture_output=True, env=docker_env
    )
    assert cli.returncode == 1 and b"outside of" in cli.stderr


def test_diff_and_export(
    docker: DockerRun, docker_env: dict[str, str], dclient: Any, cleanup: Cleanup
) -> None:
    name = cleanup.container()
    docker("run", "--name", name, "busybox", "sh", "-c", "echo x > /newfile; rm /etc/group")
    diff = docker("diff", name).stdout.splitlines()
    assert "A /newfile" in diff and "D /etc/group" in diff and "C /etc" in diff
    assert {"Path": "/newfile", "Kind": 1} in dclient.api.diff(name)
    names = _export_names(docker_env, name)
    assert "newfile" in names and "bin/sh" in names and "etc/group" not in names


def test_update(docker: DockerRun, dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    docker("run", "-d", "--name", name, "busybox", "sleep", "300")
    same = docker("update", "--restart", "no", name)
    assert same.stdout.strip() == name
    before = dclient.api.inspect_container(name)["Id"]
    docker("update", "--restart", "always", name)  # more in test_update_restart.py
    after = dclient.api.inspect_container(name)
    assert after["Id"] == before and after["HostConfig"]["RestartPolicy"]["Name"] == "always"
    limited = docker("update", "-m", "64m", name, check=False)
    memory = dclient.containers.get(name).attrs["HostConfig"]["Memory"]
    # Either podman applied it (cgroups v2) or dockerd's "limit discarded" warning came back.
    assert limited.returncode == 0
    assert memory == 64 << 20 or "the limit was discarded" in limited.stdout + limited.stderr
    answer = dclient.api.update_container(name, cpu_shares=512)
    assert isinstance(answer["Warnings"], list)
    refused = docker("update", "--pids-limit", "5", name, check=False)
    assert refused.returncode == 1 and "PidsLimit" in refused.stderr


def test_system_prune_all_with_volumes(docker: DockerRun, cleanup: Cleanup, tmp_path: Path) -> None:
    keeper = cleanup.container()
    stopped = cleanup.container()
    network = cleanup.name("prnet")
    image = f"localhost/{cleanup.name('primg')}:1"
    cleanup.networks.append(network)
    cleanup.images.append(image)
    # a running container keeps busybox (the shared fixture image) in use during the prune
    docker("run", "-d", "--name", keeper, "busybox", "sleep", "300")
    docker("create", "--name", stopped, "busybox")
    docker("network", "create", network)
    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as archive:
        info = tarfile.TarInfo("hello")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    podman("import", str(rootfs), image)
    result = docker("system", "prune", "-af", "--volumes", timeout=300)
    assert "Total reclaimed space" in result.stdout
    assert podman("container", "exists", stopped, check=False).returncode == 1
    assert podman("image", "exists", image, check=False).returncode == 1
    assert podman("network", "exists", network, check=False).returncode == 1
    assert podman("container", "exists", keeper).returncode == 0
    assert podman("image", "exists", "docker.io/library/busybox:latest").returncode == 0


def test_a_held_events_stream_keeps_the_service_alive(tmp_path: Path) -> None:
    other = Shim(tmp_path, "--idle-timeout", "1").start()
    assert other.proc is not None
    events = subprocess.Popen(
        [DOCKER, "-H", other.url, "events"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        time.sleep(4)  # several idle timeouts pass while the stream is held
        assert other.proc.poll() is None
        assert events.poll() is None
    finally:
        events.kill()
        events.wait(10)
    other.proc.wait(timeout=30)  # once the client left, the idle service exits
    assert other.proc.returncode == 0
    other.stop()


def test_export_child_is_killed_when_the_client_leaves(
    docker: DockerRun, shim: Shim, cleanup: Cleanup
) -> None:
    import socket

    name = cleanup.container()
    docker("create", "--name", name, "busybox")
    for path in (f"/containers/{name}/export", f"/containers/{name}/archive?path=/bin"):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(shim.socket)
        client.sendall(f"GET /v1.45{path} HTTP/1.1\r\nHost: d\r\n\r\n".encode())
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        client.close()  # leaves with megabytes unread: podman blocks on a full pipe
        assert shim.proc is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            children = subprocess.run(
                ["ps", "-o", "args=", "--ppid", str(shim.proc.pid)], capture_output=True, text=True
            ).stdout
            if "podman export" not in children and "podman cp" not in children:
                break
            time.sleep(0.2)
        assert "podman export" not in children and "podman cp" not in children, path


def test_docker_py_archive_roundtrip(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.container()
    container = dclient.containers.run("busybox", "sleep 300", name=name, detach=True)
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        info = tarfile.TarInfo("dir/script.sh")
        info.size, info.mode = 10, 0o755
        archive.addfile(info, io.BytesIO(b"echo hi!\n\n"))
    assert container.put_archive("/tmp", data.getvalue()) is True
    chunks, stat = container.get_archive("/tmp/dir/script.sh")
    assert stat["name"] == "script.sh" and stat["size"] == 10 and stat["mode"] == 0o755
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        (member,) = archive.getmembers()
        assert (member.name, member.mode) == ("script.sh", 0o755)
    _, dir_stat = container.get_archive("/tmp/dir")
    assert dir_stat["mode"] & (1 << 31)  # Go's os.ModeDir
    import docker as docker_py

    with pytest.raises(docker_py.errors.NotFound):
        container.get_archive("/tmp/missing")
    with pytest.raises(docker_py.errors.NotFound):
        container.put_archive("/tmp/missing", data.getvalue())


def test_an_owner_the_container_cannot_map_lands_as_the_containers_user(
    dclient: Any, cleanup: Cleanup
) -> None:
    """An archive entry owned by an id beyond the container's user namespace (a host user
    with a large uid; rootless podman maps 65536 ids): podman stops at it, so all of the
    archive is copied again owned by the container's user, and every entry lands whole."""
    name = cleanup.container()
    container = dclient.containers.run("busybox", "sleep 300", name=name, detach=True)
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        for entry, owner in (("first", 7), ("big", 1_234_567), ("last", 8)):
            info = tarfile.TarInfo(f"up/{entry}")
            info.size, info.mode, info.uid, info.gid = 3, 0o640, owner, owner
            archive.addfile(info, io.BytesIO(entry[:3].encode()))
    assert container.put_archive("/tmp", data.getvalue()) is True
    shown = podman(
        "exec", name, "sh", "-c", "cd /tmp/up && stat -c '%n %u:%g %a' * && cat first big last"
    ).stdout.split("\n")
    assert shown[:3] == ["big 0:0 640", "first 0:0 640", "last 0:0 640"]
    assert shown[3] == "firbiglas"


def _mounted(ident: str) -> bool:
    """Whether containers/storage counts a mount of the container (`podman mount` lists it)."""
    listed = podman("unshare", "podman", "mount", "--notruncate").stdout
    return any(line.split()[:1] == [ident] for line in listed.splitlines())


def test_reading_a_stopped_containers_files_leaves_no_mount_behind(
    dclient: Any, shim: Shim, cleanup: Cleanup
) -> None:
    """podman's cp and export mount the container; stopped part way, one leaves the mount
    counted (and at a bad moment a count for a mount that is gone, which fails the
    container's next mount). A stat, a read the client leaves early, an export read in part
    and an upload must each let podman unmount."""
    import httpx

    name = cleanup.container()
    container = dclient.containers.create("busybox", name=name)
    url = f"http://docker/containers/{name}"
    with httpx.Client(transport=httpx.HTTPTransport(uds=shim.socket), timeout=60) as client:
        assert client.head(f"{url}/archive", params={"path": "/etc"}).status_code == 200
        for path in (f"{url}/archive?path=/bin", f"{url}/export"):
            with client.stream("GET", path) as answer:
                assert answer.status_code == 200
                next(answer.iter_raw(1024))  # then gone, most of it unread
    container.put_archive("/", _crafted("uploaded.txt"))
    deadline = time.monotonic() + 60  # the readers' podman children finish on their own
    while _mounted(container.id) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _mounted(container.id)
    bits, _ = container.get_archive("/uploaded.txt")
    assert b"evil" in b"".join(bits)


def test_an_upload_the_client_cuts_off_is_no_error_of_ours(
    dclient: Any, shim: Shim, cleanup: Cleanup
) -> None:
    """A client that goes away part way through its upload: nothing is written and the
    service logs no error (it logged a traceback as an unexpected error)."""
    import socket

    name = cleanup.container()
    container = dclient.containers.create("busybox", name=name)
    before = len(shim.log())
    part = _crafted("cut.txt")[:1024]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(shim.socket)
        conn.sendall(
            f"PUT /containers/{name}/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\n"
            "Content-Type: application/x-tar\r\nContent-Length: 1048576\r\n\r\n".encode()
            + part
        )
        time.sleep(1)  # the service is reading the body when the client goes
    time.sleep(1)
    bits, _ = container.get_archive("/tmp")
    with tarfile.open(fileobj=io.BytesIO(b"".join(bits))) as archive:
        assert not [n for n in archive.getnames() if n.endswith("cut.txt")]
    written = shim.log()[before:]
    assert "Traceback" not in written and "unexpected error" not in written, written
