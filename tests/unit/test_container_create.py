"""Create body -> podman argv (pure translation)."""

from __future__ import annotations

from typing import Any

import pytest

from dockershim.errors import InvalidParameter
from dockershim.translate.container_create import create_argv
from dockershim.translate.container_fields import decode_annotation, decode_host_fields
from dockershim.translate.container_hostconfig import tmpfs_options
from dockershim.translate.links import LinkFacts

IMG = "docker.io/library/busybox:latest"


def argv(body: dict[str, Any], **kw: Any) -> list[str]:
    return create_argv(
        {"Image": "busybox", **body}, name=kw.pop("name", None), image=IMG, **kw
    ).argv


def flag_values(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def test_minimal_body_uses_podman_network_and_separator() -> None:
    args = argv({})
    assert args[:3] == ["create", "--pull", "never"]
    assert flag_values(args, "--network") == ["podman"]
    assert args[-2:] == ["--", IMG]
    assert "io.dockershim.image=busybox" in flag_values(args, "--annotation")


def test_core_fields() -> None:
    args = argv(
        {
            "Cmd": ["-c", "echo hi"],
            "Entrypoint": ["sh"],
            "Env": ["A=1", "NOVALUE"],
            "Labels": {"k": "v", "empty": ""},
            "Tty": True,
            "OpenStdin": True,
            "StdinOnce": True,
            "WorkingDir": "/w",
            "User": "1000:1000",
            "Hostname": "h",
            "ExposedPorts": {"80/tcp": {}},
            "StopSignal": "SIGINT",
            "StopTimeout": 3,
        },
        name="/web",
    )
    assert flag_values(args, "--name") == ["web"]
    assert flag_values(args, "--env") == ["A=1"]  # a bare name never picks up our env
    assert flag_values(args, "--unsetenv") == ["NOVALUE"]
    assert flag_values(args, "--label") == ["k=v", "empty="]
    assert {"--tty", "--interactive"} <= set(args)
    assert flag_values(args, "--workdir") == ["/w"]
    assert flag_values(args, "--user") == ["1000:1000"]
    assert flag_values(args, "--entrypoint") == ['["sh"]']
    assert flag_values(args, "--expose") == ["80/tcp"]
    assert flag_values(args, "--stop-signal") == ["SIGINT"]
    assert flag_values(args, "--stop-timeout") == ["3"]
    assert args[-4:] == ["--", IMG, "-c", "echo hi"]


def test_entrypoint_empty_string_clears() -> None:
    assert flag_values(argv({"Entrypoint": [""]}), "--entrypoint") == [""]


def test_host_config() -> None:
    args = argv(
        {
            "HostConfig": {
                "Binds": ["/src:/dst:ro", "vol:/data"],
                "PortBindings": {
                    "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
                    "53/udp": [{"HostIp": "127.0.0.1", "HostPort": ""}],
                    "81/tcp": [{"HostIp": "::1", "HostPort": "8081"}],
                },
                "AutoRemove": True,
                "Tmpfs": {"/run": "size=1m"},
                "Mounts": [
                    {
                        "Type": "tmpfs",
                        "Target": "/t",
                        "TmpfsOptions": {"SizeBytes": 1024, "Mode": 0o1777},
                    },
                    {"Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": True},
                ],
                "CapAdd": ["NET_ADMIN"],
                "CapDrop": ["MKNOD"],
                "Dns": ["1.1.1.1"],
                "ExtraHosts": ["gw:host-gateway", "db:10.0.0.5"],
                "Init": True,
                "ReadonlyRootfs": True,
                "Ulimits": [{"Name": "nofile", "Soft": 100, "Hard": 200}],
                "ShmSize": 1048576,
                "Sysctls": {"net.ipv4.ip_forward": "1"},
                "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}},
                "RestartPolicy": {"Name": "", "MaximumRetryCount": 0},
            }
        },
        host_gateway="192.0.2.2",
    )
    assert flag_values(args, "--volume") == ["/src:/dst:ro", "vol:/data"]
    assert flag_values(args, "--publish") == [
        "8080:80/tcp",
        "127.0.0.1::53/udp",
        "[::1]:8081:81/tcp",
    ]
    assert "--rm" in args
    assert flag_values(args, "--tmpfs") == ["/run:noexec,nosuid,nodev,size=1m"]  # dockerd's
    assert flag_values(args, "--mount") == [
        "type=tmpfs,tmpfs-size=1024,tmpfs-mode=1777,noexec,nosuid,nodev,target=/t",
        "type=bind,source=/a,target=/b,ro=true",
    ]
    assert flag_values(args, "--add-host") == ["gw:192.0.2.2", "db:10.0.0.5"]
    assert flag_values(args, "--ulimit") == ["nofile=100:200"]
    assert flag_values(args, "--shm-size") == ["1048576b"]
    assert flag_values(args, "--log-opt") == ["max-size=10m"]
    assert "--read-only" in args and "--init" in args


def test_networks() -> None:
    args = argv(
        {
            "HostConfig": {"NetworkMode": "mynet"},
            "NetworkingConfig": {
                "EndpointsConfig": {
                    "mynet": {"Aliases": ["db"], "IPAMConfig": {"IPv4Address": "10.89.0.9"}}
                }
            },
        }
    )
    assert flag_values(args, "--network") == ["mynet:alias=db,ip=10.89.0.9"]
    plan = create_argv(
        {
            "Image": "busybox",
            "HostConfig": {"NetworkMode": "mynet"},
            "NetworkingConfig": {"EndpointsConfig": {"mynet": {"DriverOpts": {"a": "b"}}}},
        },
        name=None,
        image=IMG,
    )
    assert any("DriverOpts" in w for w in plan.warnings)
    assert flag_values(argv({"HostConfig": {"NetworkMode": "host"}}), "--network") == ["host"]
    with pytest.raises(InvalidParameter, match="user defined networks"):
        argv(
            {
                "HostConfig": {"NetworkMode": "bridge"},
                "NetworkingConfig": {"EndpointsConfig": {"bridge": {"Aliases": ["x"]}}},
            }
        )


def test_healthcheck_forms() -> None:
    args = argv(
        {
            "Healthcheck": {
                "Test": ["CMD", "curl", "-f", "x"],
                "Interval": 2_000_000_000,
                "Retries": 2,
            }
        }
    )
    assert flag_values(args, "--health-cmd") == ['["curl", "-f", "x"]']
    assert flag_values(args, "--health-interval") == ["2000000000ns"]
    assert flag_values(args, "--health-retries") == ["2"]
    assert flag_values(argv({"Healthcheck": {"Test": ["CMD-SHELL", "true"]}}), "--health-cmd") == [
        "true"
    ]
    assert "--no-healthcheck" in argv({"Healthcheck": {"Test": ["NONE"]}})
    plan = create_argv(
        {"Image": "busybox", "Healthcheck": {"Test": ["CMD", "true"], "StartInterval": 10**9}},
        name=None,
        image=IMG,
    )
    assert any("StartInterval" in w for w in plan.warnings)


def test_a_log_tag_goes_to_journald_only() -> None:
    """conmon's k8s-file log (what podman writes for json-file) refuses a tag: the container
    would never start; dockerd's json-file takes it."""
    tagged = {"Type": "json-file", "Config": {"tag": "web", "max-size": "1m"}}
    plan = create_argv(
        {"Image": "busybox", "HostConfig": {"LogConfig": tagged}}, name=None, image=IMG
    )
    assert flag_values(plan.argv, "--log-opt") == ["max-size=1m"]
    assert any("'tag'" in w for w in plan.warnings)
    journal = {"Type": "journald", "Config": {"tag": "web"}}
    plan = create_argv(
        {"Image": "busybox", "HostConfig": {"LogConfig": journal}}, name=None, image=IMG
    )
    assert flag_values(plan.argv, "--log-opt") == ["tag=web"] and plan.warnings == []


def test_limits_warn_on_cgroup_v1_and_translate_on_v2() -> None:
    body = {"HostConfig": {"Memory": 64 << 20, "NanoCpus": 500_000_000, "PidsLimit": 10}}
    plan = create_argv({"Image": "busybox", **body}, name=None, image=IMG, cgroup_v2=False)
    assert "--memory" not in plan.argv
    assert any("memory limit" in w for w in plan.warnings)
    assert any("CFS" in w for w in plan.warnings)
    assert any("PIDs limit" in w for w in plan.warnings)
    plan = create_argv({"Image": "busybox", **body}, name=None, image=IMG, cgroup_v2=True)
    assert flag_values(plan.argv, "--memory") == [str(64 << 20)]
    assert flag_values(plan.argv, "--cpus") == ["0.5"]
    assert plan.warnings == []


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"Domainname": "x"}, "Domainname"),
        ({"HostConfig": {"VolumeDriver": "nfs"}}, "VolumeDriver 'nfs'"),
        ({"HostConfig": {"LogConfig": {"Type": "nosuch"}}}, "no log driver named 'nosuch'"),
        ({"HostConfig": {"RestartPolicy": {"Name": "sometimes"}}}, "restart policy"),
        ({"HostConfig": {"LogConfig": {"Type": "syslog"}}}, "syslog"),
        ({"HostConfig": {"Binds": ["--privileged"]}}, "Binds"),
        ({"HostConfig": {"PortBindings": {"x/tcp": []}}}, "port"),
        ({"HostConfig": {"Mounts": [{"Type": "npipe", "Target": "/x"}]}}, "mount type"),
        ({"WorkingDir": "rel"}, "absolute"),
        ({"Healthcheck": {"Test": ["BOGUS"]}}, "Healthcheck"),
        ({"SomethingNew": True}, "SomethingNew"),
        ({"HostConfig": {"Runtime": "nvidia"}}, "runtime"),
        ({"HostConfig": {"Isolation": "hyperv"}}, "isolation"),
        ({"HostConfig": {"MaskedPaths": ["/proc/x"]}}, "MaskedPaths"),
        ({"HostConfig": {"AutoRemove": True, "RestartPolicy": {"Name": "always"}}}, "AutoRemove"),
    ],
)
def test_refused(body: dict[str, Any], text: str) -> None:
    with pytest.raises(InvalidParameter, match=text):
        argv(body)


def test_systempaths_unconfined_and_cgroupns() -> None:
    args = argv({"HostConfig": {"MaskedPaths": [], "ReadonlyPaths": [], "CgroupnsMode": "host"}})
    assert flag_values(args, "--security-opt") == ["unmask=ALL"]
    assert flag_values(args, "--cgroupns") == ["host"]
    assert "--security-opt" not in argv({"HostConfig": {"MaskedPaths": None}})


def test_bad_name() -> None:
    with pytest.raises(InvalidParameter, match="Invalid container name"):
        argv({}, name="bad name")


def test_defaults_the_cli_sends_are_ignored() -> None:
    body = {
        "AttachStdin": False,
        "AttachStdout": True,
        "AttachStderr": True,
        "Volumes": None,
        "OnBuild": None,
        "HostConfig": {
            "ConsoleSize": [0, 0],
            "LogConfig": {"Type": "", "Config": {}},
            "OomKillDisable": False,
            "MemorySwappiness": None,
            "Isolation": "",
            "CgroupnsMode": "",
            "VolumesFrom": None,
            "Links": None,
            "BlkioWeightDevice": [],
        },
    }
    assert argv(body)[-2:] == ["--", IMG]


def test_tmpfs_gets_dockerds_defaults_unless_the_client_chose() -> None:
    assert tmpfs_options("") == "noexec,nosuid,nodev"
    assert tmpfs_options("size=8m,exec") == "nosuid,nodev,size=8m,exec"
    assert tmpfs_options("suid,dev,noexec") == "suid,dev,noexec"


def test_host_port_zero_asks_for_a_free_port() -> None:
    # Testcontainers sends HostPort "0" (dockerd: any free port); podman wants it left empty.
    bindings = {
        "8080/tcp": [{"HostPort": "0"}],
        "81/tcp": [{"HostIp": "127.0.0.1", "HostPort": "0"}],
    }
    args = argv({"HostConfig": {"PortBindings": bindings}})
    assert flag_values(args, "--publish") == [":8080/tcp", "127.0.0.1::81/tcp"]


def test_volumes_from_and_echoed_fields() -> None:
    host = {
        "VolumesFrom": ["data:ro", "other"],
        "VolumeDriver": "local",
        "CgroupnsMode": "private",
        "LogConfig": {"Type": "json-file", "Config": {"max-file": "3"}},
    }
    args = argv({"HostConfig": host, "Env": ["BARE", "A=1"]})
    assert flag_values(args, "--volumes-from") == ["data:ro", "other"]
    assert flag_values(args, "--unsetenv") == ["BARE"]
    annotations = dict(a.split("=", 1) for a in flag_values(args, "--annotation"))
    sent = decode_host_fields(annotations["io.dockershim.hostconfig"])
    assert sent is not None
    assert {k: sent[k] for k in host} == host
    assert decode_annotation(annotations["io.dockershim.bare-env"]) == ["BARE"]


def test_networking_config_alone_declares_the_networks() -> None:
    endpoints = {"n1": {"Aliases": ["a"]}, "n2": {}}
    args = argv({"NetworkingConfig": {"EndpointsConfig": endpoints}})
    assert flag_values(args, "--network") == ["n1:alias=a", "n2"]
    explicit = argv(
        {
            "HostConfig": {"NetworkMode": "bridge"},
            "NetworkingConfig": {"EndpointsConfig": {"n2": {}}},
        }
    )
    assert flag_values(explicit, "--network") == ["podman", "n2"]


def test_volume_subpath_refused() -> None:
    mount = {"Type": "volume", "Source": "v", "Target": "/x", "VolumeOptions": {"Subpath": "a"}}
    with pytest.raises(InvalidParameter, match="Subpath"):
        argv({"HostConfig": {"Mounts": [mount]}})
    ro = {"Type": "volume", "Source": "v", "Target": "/x", "ReadOnly": True}
    assert flag_values(argv({"HostConfig": {"Mounts": [ro]}}), "--mount") == [
        "type=volume,source=v,target=/x,ro=true"
    ]


def test_links_come_from_the_engines_facts_into_the_one_argv() -> None:
    """The translator takes what the links need (the targets' addresses and variables) and
    places their flags itself: nothing is spliced into its argv afterwards."""
    facts = LinkFacts(
        links=["db:database", "cache"],
        networks=["bridge"],
        addresses={"db": ["10.88.0.5"], "cache": []},  # cache is not running: no entry
        env=["DATABASE_PORT=tcp://10.88.0.5:5432", "DATABASE_NAME=/app/database"],
    )
    body = {"Env": ["DATABASE_NAME=mine"], "HostConfig": {"Links": ["db:database", "cache"]}}
    args = argv(body, links=facts, name="app")
    cut = args.index("--")
    assert flag_values(args[:cut], "--add-host") == ["database:10.88.0.5", "db:10.88.0.5"]
    env = [str(value) for value in flag_values(args[:cut], "--env")]
    assert "DATABASE_PORT=tcp://10.88.0.5:5432" in env
    assert "DATABASE_NAME=/app/database" not in env  # the client's Env sets it
    assert "DATABASE_NAME=mine" in env
    assert args[cut:] == ["--", IMG]
