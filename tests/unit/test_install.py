"""Unit rendering for `dockershim install`: quoting, socket paths, start limits, context file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dockershim import install
from dockershim.install import Paths, render_service_unit, render_socket_unit, systemd_quote


def _paths(tmp_path: Path, socket: str | None = None) -> Paths:
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/1234"}
    return Paths.from_env(env, socket)


def test_quote() -> None:
    assert systemd_quote("/usr/bin/python3") == "/usr/bin/python3"
    assert systemd_quote("/opt/my venv/python") == '"/opt/my venv/python"'
    assert systemd_quote("100%") == "100%%"
    assert systemd_quote("$HOME") == "$$HOME"
    assert systemd_quote('a"b') == '"a\\"b"'


def test_socket_in_runtime_dir_uses_specifier(tmp_path: Path) -> None:
    assert "ListenStream=%t/docker.sock\n" in render_socket_unit(_paths(tmp_path))


def test_socket_elsewhere_is_literal_and_escaped(tmp_path: Path) -> None:
    unit = render_socket_unit(_paths(tmp_path, "/srv/50%/d.sock"))
    assert "ListenStream=/srv/50%%/d.sock\n" in unit


def test_service_unit_keeps_containers_and_tolerates_idle_rhythm() -> None:
    unit = render_service_unit(120, "/usr/bin/podman")
    assert "KillMode=process\n" in unit
    assert "StartLimitBurst=20\n" in unit
    assert "--idle-timeout 120 --podman /usr/bin/podman" in unit
    # a 1 s idle timeout restarts often on purpose: the limit must leave room for it
    assert "StartLimitBurst=120\n" in render_service_unit(1, "/usr/bin/podman")


def test_context_written_where_docker_looks(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    target = install.write_context(paths)
    digest = hashlib.sha256(b"dockershim").hexdigest()
    assert target == tmp_path / ".docker" / "contexts" / "meta" / digest / "meta.json"
    meta = json.loads(target.read_text())
    assert meta["Endpoints"]["docker"]["Host"] == "unix:///run/user/1234/docker.sock"
    (tmp_path / ".docker" / "config.json").write_text('{"currentContext": "dockershim"}')
    assert install.remove_context(paths)
    assert not target.exists()
    assert json.loads((tmp_path / ".docker" / "config.json").read_text()) == {}
