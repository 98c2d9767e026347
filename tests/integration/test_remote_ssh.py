"""Remote use over ssh: the real docker CLI with `-H ssh://user@127.0.0.1:PORT` and with a context
of that host, through a real OpenSSH server run for this module as the test user on a private
loopback port (its own host key, key authentication, no PAM), against dockershim.

The remote side is this same user on this same host. Two remotes: one whose PATH is sshd's
default (the docker CLI in /usr/local/bin runs `system dial-stdio`), one whose PATH has no
docker CLI but dockershim's stand-in named `docker` (what docs/remote.md tells hosts without the
docker CLI to install). The client's ssh reads a config of this test (key, known_hosts) through
an `ssh` wrapper on its PATH: the equivalent of the user's ~/.ssh/config.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DOCKER, REPO, Shim

SSHD = "/usr/sbin/sshd"
USER = os.environ.get("USER") or os.getlogin()


@dataclass
class Remote:
    port: int
    env: dict[str, str]  # for the local docker CLI: its ssh finds the key and host key
    remote_docker_config: Path | None = None  # the remote user's ~/.docker, where known

    def url(self, path: str = "") -> str:
        return f"ssh://{USER}@127.0.0.1:{self.port}{path}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"sshd does not listen on {port}: {log.read_text()}")


def _keygen(path: Path) -> None:
    argv = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)]
    subprocess.run(argv, check=True, timeout=30)


def _stand_in(folder: Path) -> Path:
    """`docker` as pip installs the dockershim console script, under the name docker."""
    folder.mkdir()
    script = folder / "docker"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from dockershim.cli import main\nsys.exit(main())\n"
    )
    script.chmod(0o755)
    return folder


@contextlib.contextmanager
def _sshd(tmp: Path, remote_env: dict[str, str]) -> Iterator[Remote]:
    _keygen(tmp / "host_key")
    _keygen(tmp / "client_key")
    (tmp / "authorized_keys").write_text((tmp / "client_key.pub").read_text())
    port = _free_port()
    config = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {tmp / 'host_key'}",
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}",
        f"PidFile {tmp / 'sshd.pid'}",
        "UsePAM no",
        "StrictModes no",  # pytest's temp dirs are not what sshd expects of ~/.ssh
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
    ]
    config += [f"SetEnv {key}={value}" for key, value in remote_env.items()]
    (tmp / "sshd_config").write_text("\n".join(config) + "\n")
    log = tmp / "sshd.log"
    with open(log, "wb") as out:
        sshd = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(tmp / "sshd_config")], stdout=out, stderr=out
        )
    try:
        _wait_for_port(port, sshd, log)
        (tmp / "ssh_config").write_text(
            f"Host *\n  IdentityFile {tmp / 'client_key'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {tmp / 'known_hosts'}\n  StrictHostKeyChecking accept-new\n"
            "  LogLevel ERROR\n"
        )
        client_bin = tmp / "client-bin"
        client_bin.mkdir()
        wrapper = client_bin / "ssh"
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {tmp / "ssh_config"} "$@"\n')
        wrapper.chmod(0o755)
        config_dir = tmp / "docker-config"
        config_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        env.update(
            PATH=f"{client_bin}:{os.environ['PATH']}",
            DOCKER_CONFIG=str(config_dir),
            DOCKER_CLI_HINTS="false",
        )
        yield Remote(port, env)
    finally:
        sshd.terminate()
        sshd.wait(15)


@pytest.fixture(scope="module")
def cli_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """sshd's default PATH: the remote `docker` is the docker CLI in /usr/local/bin. Its docker
    config (the remote user's ~/.docker) is a folder of this test."""
    tmp = tmp_path_factory.mktemp("sshd-cli")
    (tmp / "remote-docker-config").mkdir()
    with _sshd(tmp, {"DOCKER_CONFIG": str(tmp / "remote-docker-config")}) as remote:
        remote.remote_docker_config = tmp / "remote-docker-config"
        yield remote


@pytest.fixture(scope="module")
def stand_in_remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """No docker CLI on the remote PATH, only dockershim's stand-in named `docker`."""
    tmp = tmp_path_factory.mktemp("sshd-stand-in")
    with _sshd(tmp, {"PATH": f"{_stand_in(tmp / 'remote-bin')}:/usr/bin:/bin"}) as remote:
        yield remote


@pytest.fixture(scope="module")
def default_socket_shim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shim]:
    """dockershim on the user's default socket, where a bare ssh:// host leads (an ssh session
    without XDG_RUNTIME_DIR: /run/user/UID/docker.sock)."""
    path = f"/run/user/{os.getuid()}/docker.sock"
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            pytest.fail(f"something already serves {path}; stop it for this test")
        except OSError:
            os.unlink(path)  # stale
        finally:
            probe.close()
    instance = Shim(tmp_path_factory.mktemp("default-shim"), "--idle-timeout", "0")
    instance.socket = path
    instance.start()
    yield instance
    instance.stop()
    if os.path.exists(path):
        os.unlink(path)


def _docker(remote: Remote, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [DOCKER, *args], capture_output=True, text=True, timeout=180, env=remote.env, check=False
    )
    assert result.returncode == 0, f"docker {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def _ps_and_run(remote: Remote, *target: str) -> None:
    assert "CONTAINER ID" in _docker(remote, *target, "ps").stdout
    assert _docker(remote, *target, "run", "--rm", "busybox", "echo", "hi").stdout == "hi\n"


def test_remote_docker_cli_with_socket_path(cli_remote: Remote, shim: Shim) -> None:
    # The URL's path reaches the remote as `docker --host=unix://PATH system dial-stdio`.
    _ps_and_run(cli_remote, "-H", cli_remote.url(shim.socket))


def test_remote_docker_cli_with_dockershim_as_current_context(
    cli_remote: Remote, default_socket_shim: Shim
) -> None:
    # A bare ssh:// host: the remote CLI uses its current context (DOCKER_HOST does not cross
    # ssh). What docs/remote.md says to run once on the remote, in the remote's docker config.
    assert cli_remote.remote_docker_config is not None
    remote_config = {**cli_remote.env, "DOCKER_CONFIG": str(cli_remote.remote_docker_config)}
    sock = f"unix://{default_socket_shim.socket}"
    for args in (["context", "create", "dockershim", "--docker", f"host={sock}"],
                 ["context", "use", "dockershim"]):  # fmt: skip
        subprocess.run([DOCKER, *args], env=remote_config, check=True, capture_output=True)
    _ps_and_run(cli_remote, "-H", cli_remote.url())


def test_stand_in_with_socket_path(stand_in_remote: Remote, shim: Shim) -> None:
    _ps_and_run(stand_in_remote, "-H", stand_in_remote.url(shim.socket))


def test_stand_in_bare_host_reaches_the_default_socket(
    stand_in_remote: Remote, default_socket_shim: Shim
) -> None:
    host = stand_in_remote.url()
    assert _docker(stand_in_remote, "-H", host, "version", "--format", "{{.Server.Os}}").stdout == (
        "linux\n"
    )
    _ps_and_run(stand_in_remote, "-H", host)


def test_context_with_bare_ssh_host(stand_in_remote: Remote, default_socket_shim: Shim) -> None:
    name = f"ssh-{stand_in_remote.port}"
    _docker(stand_in_remote, "context", "create", name, "--docker", f"host={stand_in_remote.url()}")
    try:
        _ps_and_run(stand_in_remote, "--context", name)
    finally:
        _docker(stand_in_remote, "context", "rm", "-f", name)


def test_stand_in_refuses_other_commands(tmp_path: Path) -> None:
    docker = _stand_in(tmp_path / "bin") / "docker"
    result = subprocess.run([str(docker), "ps"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "only answers `docker system dial-stdio`" in result.stderr
