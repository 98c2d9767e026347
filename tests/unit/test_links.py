from __future__ import annotations

from dockershim.translate.links import link_env, shown_links


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
