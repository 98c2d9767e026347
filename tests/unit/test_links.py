from __future__ import annotations

from dockershim.secret import Secret
from dockershim.translate.links import (
    ANN_LINK_ENV,
    link_env,
    link_env_args,
    shown_links,
    without_link_env,
)


def test_link_env_as_dockerd() -> None:
    child = {
        "Config": {"Env": ["PATH=/bin", "HOME=/root", "PGDATA=/data", "EMPTY="]},
        "NetworkSettings": {"Ports": {"5432/tcp": None, "53/udp": None}},
    }
    assert link_env("web", "db-main", child, "10.88.0.5") == [
        "DB_MAIN_PORT=udp://10.88.0.5:53",
        "DB_MAIN_PORT_53_UDP=udp://10.88.0.5:53",
        "DB_MAIN_PORT_53_UDP_ADDR=10.88.0.5",
        "DB_MAIN_PORT_53_UDP_PORT=53",
        "DB_MAIN_PORT_53_UDP_PROTO=udp",
        "DB_MAIN_PORT_5432_TCP=tcp://10.88.0.5:5432",
        "DB_MAIN_PORT_5432_TCP_ADDR=10.88.0.5",
        "DB_MAIN_PORT_5432_TCP_PORT=5432",
        "DB_MAIN_PORT_5432_TCP_PROTO=tcp",
        "DB_MAIN_NAME=/web/db-main",
        "DB_MAIN_ENV_PGDATA=/data",
        "DB_MAIN_ENV_EMPTY=",
    ]
    # not running: no address, still the name and the environment
    assert link_env(None, "db", child, "") == ["DB_ENV_PGDATA=/data", "DB_ENV_EMPTY="]


def test_shown_links() -> None:
    assert shown_links(["db:alias", "/cache"], "/web") == ["/db:/web/alias", "/cache:/web/cache"]


def test_link_env_args_and_config_env() -> None:
    entries = ["DB_NAME=/web/db", "DB_ENV_SECRET=s3", "DB_PORT=tcp://10.88.0.5:5432"]
    argv = link_env_args(entries, ["DB_PORT=mine", "OTHER=1", "UNSET_ME"])
    assert argv[:4] == ["--env", "DB_NAME=/web/db", "--env", "DB_ENV_SECRET=s3"]
    assert all(isinstance(v, Secret) for v in argv[1:4:2])  # the linked container's values
    assert argv[4] == "--annotation" and argv[5].startswith(f"{ANN_LINK_ENV}=")
    assert len(argv) == 6  # DB_PORT: the client's Env wins, as in dockerd's process environment
    annotation = argv[5].split("=", 1)[1]
    env = ["PATH=/bin", "DB_NAME=/web/db", "DB_ENV_SECRET=s3", "DB_PORT=mine", "OTHER=1"]
    assert without_link_env(env, annotation) == ["PATH=/bin", "DB_PORT=mine", "OTHER=1"]
    assert without_link_env(env, None) == env
    assert link_env_args([], None) == []
