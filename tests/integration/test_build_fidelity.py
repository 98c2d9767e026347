"""Classic-builder details docker-py's own build tests check, against rootless podman."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker.errors
import pytest

from tests.conftest import Cleanup


def _build(dclient: Any, cleanup: Cleanup, path: Path, **kwargs: Any) -> list[dict[str, Any]]:
    tag = cleanup.name("dst-fid")
    cleanup.images.append(tag)
    return list(dclient.api.build(path=str(path), tag=tag, decode=True, rm=True, **kwargs))


def _text(items: list[dict[str, Any]]) -> str:
    return "".join(i.get("stream", "") for i in items)


def test_stderr_in_stream_and_error_shape(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nRUN echo to-out; echo to-err >&2\nRUN exit 7\n"
    )
    items = _build(dclient, cleanup, tmp_path, nocache=True)
    text = _text(items)
    assert "to-out\n" in text
    assert "\x1b[91mto-err\n\x1b[0m" in text  # dockerd colours a step's stderr
    message = "The command '/bin/sh -c exit 7' returned a non-zero code: 7"
    assert items[-1] == {"errorDetail": {"code": 7, "message": message}, "error": message}


def test_cache_from_uses_cache(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo one > /one\nRUN echo two\n")
    tag = cleanup.name("dst-cache")
    cleanup.images.append(tag)
    list(dclient.api.build(path=str(tmp_path), tag=tag, decode=True))
    again = _text(_build(dclient, cleanup, tmp_path, cache_from=[tag]))
    assert again.count(" ---> Using cache\n") == 2


def test_dockerignore_exceptions(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("sub/keep.txt", "sub/drop.txt", "odd name #1.txt", "skip.log"):
        (tmp_path / name).write_text(name)
    (tmp_path / ".dockerignore").write_text("sub/*\n!sub/keep.txt\n*.log\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nCOPY . /ctx/\nRUN cd /ctx && find . | sort\n"
    )
    listing = _text(_build(dclient, cleanup, tmp_path))
    assert "./sub/keep.txt\n" in listing and "./odd name #1.txt\n" in listing
    assert "drop.txt" not in listing and "skip.log" not in listing


def test_extra_hosts_and_network_mode(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN grep myhost /etc/hosts\n")
    text = _text(
        _build(dclient, cleanup, tmp_path, extra_hosts={"myhost": "10.9.9.9"}, nocache=True)
    )
    assert "10.9.9.9\tmyhost\n" in text
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN ip -o addr | grep -vc ' lo ' || true\n")
    isolated = _text(_build(dclient, cleanup, tmp_path, network_mode="none", nocache=True))
    assert "\n0\n" in isolated  # no interface but lo


def test_network_mode_user_network(dclient: Any, cleanup: Cleanup, tmp_path: Path) -> None:
    # RUN steps join the network: its addresses, its DNS, its other containers
    net = cleanup.name("dst-bnet")
    cleanup.networks.append(net)
    network = dclient.networks.create(net)
    server = cleanup.container()
    dclient.containers.run(
        "busybox",
        ["sh", "-c", "mkdir /www && echo hello-from-webby > /www/f && httpd -f -p 80 -h /www"],
        name=server,
        detach=True,
        network=net,
    )
    address = dclient.api.inspect_container(server)["NetworkSettings"]["Networks"][net]["IPAddress"]
    subnet = network.attrs["IPAM"]["Config"][0]["Subnet"]
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\n"
        f"RUN ip -4 -o addr show eth0; nslookup {server}. || true\n"
        f"RUN wget -q -O- http://{address}/f\n"
    )
    text = _text(_build(dclient, cleanup, tmp_path, network_mode=net, nocache=True))
    assert f" inet {subnet.rsplit('.', 1)[0]}." in text  # an address on the network
    assert f"Address: {address}" in text or f"Address 1: {address}" in text  # its DNS
    assert "hello-from-webby\n" in text
    # the build's pod is gone, and never listed
    names = [c.name for c in dclient.containers.list(all=True)]
    assert not [n for n in names if n.startswith("dockershim-build-")]
    with pytest.raises(docker.errors.NotFound):
        _build(dclient, cleanup, tmp_path, network_mode=cleanup.name("dst-nonet"))
