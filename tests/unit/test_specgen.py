"""The create argv as a libpod specgen (translate/specgen.py): what is carried over, and every
other option leaving the create to the CLI. Equality of the containers made both ways is
proven live in tests/integration/test_service_child.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dockershim.secret import Secret
from dockershim.translate.container_create import create_argv
from dockershim.translate.specgen import specgen

IMAGE = "docker.io/library/busybox:latest"


def _argv(body: dict[str, Any], name: str | None = "web-1") -> list[str]:
    return create_argv(body, name=name, image=IMAGE).argv


def test_a_compose_service_is_carried_over() -> None:
    body = {
        "Image": "busybox",
        "Cmd": ["sleep", "86400"],
        "Env": ["A=1", "B=x=y"],
        "Labels": {"com.docker.compose.service": "web"},
        "Hostname": "web",
        "User": "1000:1000",
        "WorkingDir": "/srv",
        "Tty": True,
        "OpenStdin": True,
        "Entrypoint": ["/bin/sh", "-c"],
        "StopTimeout": 3,
        "HostConfig": {"NetworkMode": "proj_default"},
        "NetworkingConfig": {"EndpointsConfig": {"proj_default": {"Aliases": ["web"]}}},
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["name"] == "web-1" and spec["image"] == IMAGE
    assert spec["command"] == ["sleep", "86400"]
    assert spec["env"] == {"A": "1", "B": "x=y"}
    assert spec["labels"] == {"com.docker.compose.service": "web"}
    assert (spec["hostname"], spec["user"], spec["work_dir"]) == ("web", "1000:1000", "/srv")
    assert spec["terminal"] is True and spec["stdin"] is True
    assert spec["entrypoint"] == ["/bin/sh", "-c"]
    assert spec["stop_timeout"] == 3
    assert spec["netns"] == {"nsmode": "bridge"}
    assert spec["Networks"] == {"proj_default": {"aliases": ["web"]}}
    # dockershim's own notes ride along as annotations, with the CLI's TTY annotation
    assert spec["annotations"]["io.dockershim.image"] == "busybox"
    assert spec["annotations"]["io.kubernetes.cri-o.TTY"] == "true"
    assert spec["sdnotifyMode"] == "container"


def test_the_default_network_and_a_bare_run() -> None:
    spec = specgen(_argv({"Image": "busybox", "HostConfig": {}}, name=None))
    assert spec is not None
    assert "name" not in spec and "command" not in spec
    assert spec["Networks"] == {"podman": {}}
    assert spec["annotations"]["io.kubernetes.cri-o.TTY"] == "false"


def test_an_environment_secret_goes_into_the_body_whole() -> None:
    argv = ["create", "--env", Secret("TOKEN=s3cret"), "--network", "podman", "--", IMAGE]
    spec = specgen(argv)
    assert spec is not None and json.loads(json.dumps(spec))["env"] == {"TOKEN": "s3cret"}


@pytest.mark.parametrize(
    "body",
    [
        {"HostConfig": {"PortBindings": {"80-81/tcp": [{"HostPort": "8080-8082"}]}}},
        {"HostConfig": {"PortBindings": {"81-80/tcp": [{"HostPort": ""}]}}},
        {"HostConfig": {"VolumesFrom": ["other:z"]}},
        {"HostConfig": {"SecurityOpt": ['seccomp={"defaultAction": "SCMP_ACT_ALLOW"}']}},
        {"HostConfig": {"SecurityOpt": ["no-new-privileges=maybe"]}},
        {"HostConfig": {"SecurityOpt": ["systempaths=confined"]}},
        {"HostConfig": {"SecurityOpt": ["nonsense=1"]}},
        {"HostConfig": {"Devices": [{"PathOnHost": "/dev/a,b"}]}},  # a CSV list flag
        {"HostConfig": {"LogConfig": {"Type": "journald"}}},
        {"HostConfig": {"LogConfig": {"Type": "json-file", "Config": {"max-size": "10MiB"}}}},
        {"HostConfig": {"LogConfig": {"Type": "json-file", "Config": {"max-size": "1.5m"}}}},
        {"HostConfig": {"Sysctls": {"kernel.domainname": "x"}}},  # not namespaced: refused
        {"HostConfig": {"Sysctls": {"net.core.somaxconn": "1=2"}}},
        {"HostConfig": {"Sysctls": {"net.core.somaxconn": " 1"}}},
        {"HostConfig": {"PidMode": "ns:/proc/1/ns/pid"}},
        {"HostConfig": {"IpcMode": "container:"}},
        {"HostConfig": {"UTSMode": "shareable"}},
        {"HostConfig": {"UsernsMode": "keep-id"}},
        {"HostConfig": {"Ulimits": [{"Name": "nofile", "Soft": 20, "Hard": 10}]}},
        {"HostConfig": {"Ulimits": [{"Name": "nofiles", "Soft": 1, "Hard": 1}]}},
        {"HostConfig": {"Ulimits": [{"Name": "nofile", "Soft": -1, "Hard": -1}]}},
        {"HostConfig": {"GroupAdd": ["keep-groups"]}},
        {"HostConfig": {"Dns": ["none"]}},
        {"HostConfig": {"Dns": ["fe80::1%eth0"]}},
        {"HostConfig": {"DnsSearch": ["."]}},
        {"HostConfig": {"DnsSearch": ["bad-.example"]}},
        {"HostConfig": {"DnsSearch": ["10.0.0"]}},  # ValidateDomain wants a letter
        {"HostConfig": {"DnsOptions": ["a,b"]}},
        {"StopSignal": "SIGRTMIN+3"},
        {"StopSignal": "0"},
        {"StopSignal": "SIGNOPE"},
        {"Entrypoint": [""]},
        {"Env": ["BARE"], "HostConfig": {}},
        {"ExposedPorts": {"80/tcp": {}, "80/udp": {}}},
        {"Healthcheck": {"Interval": 5_000_000_000}},  # timings alone: the CLI ignores them
        {"Healthcheck": {"Test": ["CMD", "cmd", "x"]}},  # a first word the CLI reads its way
        {"Healthcheck": {"Test": ["CMD-SHELL", "none of it"]}},
        {"HostConfig": {"ExtraHosts": ["db:not-an-address"]}},
        {"HostConfig": {"ExtraHosts": ["db:fe80::1%eth0"]}},  # Go's ParseIP takes no zone
        {"HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "fe80::1%eth0"}]}}},
        {
            "HostConfig": {"NetworkMode": "n"},
            "NetworkingConfig": {"EndpointsConfig": {"n": {"MacAddress": "02-42-ac-11-00-02"}}},
        },
        {
            "HostConfig": {"NetworkMode": "n"},
            "NetworkingConfig": {
                "EndpointsConfig": {"n": {"IPAMConfig": {"IPv6Address": "fe80::9%eth0"}}}
            },
        },
    ],
)
def test_anything_else_is_left_to_the_cli(body: dict[str, Any]) -> None:
    argv = _argv({"Image": "busybox", **body})
    if "--unsetenv" in argv:  # bare names are carried; the annotation that notes them is too
        spec = specgen(argv)
        assert spec is not None and spec["unsetenv"] == ["BARE"]
        return
    assert specgen(argv) is None, argv


def test_process_and_network_options_are_carried_over_as_podmans_cli_reads_them() -> None:
    body = {
        "Image": "busybox",
        "StopSignal": "sigint",
        "HostConfig": {
            "NetworkMode": "none",
            "SecurityOpt": [
                "seccomp=unconfined", "apparmor:unconfined", "label=disable", "label=level:s0",
                "no-new-privileges:true", "systempaths=unconfined", "mask=/proc/a:/proc/b",
            ],
            "Ulimits": [{"Name": "nofile", "Soft": 512, "Hard": 1024}],
            "GroupAdd": ["wheel", "27"],
            "ShmSize": 1 << 20,
            "Dns": ["10.0.0.53", "fd00::53"],
            "DnsSearch": ["corp.example.", "lab"],
            "DnsOptions": ["ndots:2"],
        },
    }  # fmt: skip
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["netns"] == {"nsmode": "none"} and "Networks" not in spec
    fields = {
        "stop_signal": 2,
        "seccomp_profile_path": "unconfined",
        "apparmor_profile": "unconfined",
        "selinux_opts": ["disable", "level:s0"],
        "no_new_privileges": True,
        "unmask": ["ALL"],
        "mask": ["/proc/a", "/proc/b"],
        "r_limits": [{"type": "nofile", "soft": 512, "hard": 1024}],
        "groups": ["wheel", "27"],
        "shm_size": 1 << 20,
        "dns_server": ["10.0.0.53", "fd00::53"],
        "dns_search": ["corp.example.", "lab"],
        "dns_option": ["ndots:2"],
    }
    assert {k: spec.get(k) for k in fields} == fields
    annotations = spec["annotations"]
    assert annotations["io.podman.annotations.seccomp"] == "unconfined"
    assert annotations["io.podman.annotations.apparmor"] == "unconfined"
    assert annotations["io.podman.annotations.label"] == "disable,label=level:s0"
    host = specgen(_argv({"Image": "busybox", "HostConfig": {"NetworkMode": "host"}}))
    assert host is not None and host["netns"] == {"nsmode": "host"}
    assert specgen(["create", "--network", "none", "--network", "n", "--", IMAGE]) is None
    assert specgen(["create", "--network", "n", "--network", "host", "--", IMAGE]) is None


def test_publish_all_and_an_oom_score_are_carried_over() -> None:
    body = {
        "Image": "busybox",
        "ExposedPorts": {"8080/tcp": {}},
        "HostConfig": {"PublishAllPorts": True, "OomScoreAdj": -5},
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["publish_image_ports"] is True and spec["oom_score_adj"] == -5
    assert specgen(["create", "--oom-score-adj", "1001", "--network", "n", "--", IMAGE]) is None
    assert specgen(["create", "--oom-score-adj", "+1", "--network", "n", "--", IMAGE]) is None


def test_port_ranges_and_volumes_of_other_containers_are_carried_over() -> None:
    body = {
        "Image": "busybox",
        "HostConfig": {
            "PortBindings": {
                "80-81/tcp": [{"HostPort": "8080-8081"}],
                "90-92/udp": [{"HostIp": "127.0.0.1"}],
            },
            "VolumesFrom": ["data", "config:ro"],
        },
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["portmappings"] == [
        {"host_ip": "", "container_port": 80, "host_port": 8080, "protocol": "tcp", "range": 2},
        {
            "host_ip": "127.0.0.1",
            "container_port": 90,
            "host_port": 0,
            "protocol": "udp",
            "range": 3,
        },
    ]
    assert spec["volumes_from"] == ["data", "config:ro"]


def test_logging_kernel_parameters_devices_and_namespaces_are_carried_over() -> None:
    """compose's logging, sysctls, devices, ipc, pid, uts and cgroup (`docker run --cgroupns`)"""
    body = {
        "Image": "busybox",
        "HostConfig": {
            "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}},
            "Sysctls": {"net.ipv4.ping_group_range": "0 1000", "kernel.shmmax": "65536"},
            "Devices": [
                {"PathOnHost": "/dev/null", "PathInContainer": "/dev/n", "CgroupPermissions": "rw"},
                {"PathOnHost": "/dev/zero"},
            ],
            "IpcMode": "shareable",
            "PidMode": "container:db",
            "UTSMode": "host",
            "CgroupnsMode": "private",
        },
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["log_configuration"] == {"size": 10_000_000}
    assert spec["sysctl"] == {"net.ipv4.ping_group_range": "0 1000", "kernel.shmmax": "65536"}
    assert spec["devices"] == [{"path": "/dev/null:/dev/n:rw"}, {"path": "/dev/zero"}]
    assert spec["ipcns"] == {"nsmode": "shareable"}
    assert spec["pidns"] == {"nsmode": "container", "value": "db"}
    assert spec["utsns"] == {"nsmode": "host"}
    assert spec["cgroupns"] == {"nsmode": "private"}
    host = specgen(_argv({"Image": "busybox", "HostConfig": {"CgroupnsMode": "host"}}))
    assert host is not None and host["cgroupns"] == {"nsmode": "host"}
    silent = specgen(_argv({"Image": "busybox", "HostConfig": {"LogConfig": {"Type": "none"}}}))
    assert silent is not None and silent["log_configuration"] == {"driver": "none"}


def test_static_addresses_and_another_containers_network_are_carried_over() -> None:
    body = {
        "Image": "busybox",
        "HostConfig": {"NetworkMode": "n"},
        "NetworkingConfig": {
            "EndpointsConfig": {
                "n": {
                    "Aliases": ["web"],
                    "IPAMConfig": {"IPv4Address": "10.9.0.9", "IPv6Address": "fd00::9"},
                    "MacAddress": "02:42:AC:11:00:09",
                }
            }
        },
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["Networks"] == {
        "n": {
            "aliases": ["web"],
            "static_ips": ["10.9.0.9", "fd00::9"],
            "static_mac": "02:42:AC:11:00:09",
        }
    }
    joined = specgen(_argv({"Image": "busybox", "HostConfig": {"NetworkMode": "container:db"}}))
    assert joined is not None and "Networks" not in joined
    assert joined["netns"] == {"nsmode": "container", "value": "db"}


def test_argv_it_does_not_know_is_left_to_the_cli() -> None:
    assert specgen(["run", "--", IMAGE]) is None
    assert specgen(["create", "--name", "x", IMAGE]) is None  # no "--"
    assert specgen(["create", "--network", "podman", "--"]) is None  # no image
    assert specgen(["create", "--pull", "always", "--network", "podman", "--", IMAGE]) is None
    assert (
        specgen(["create", "--env", "A=1", "--env", "A=2", "--network", "n", "--", IMAGE]) is None
    )
    assert specgen(["create", "--network", "n:interface_name=e0", "--", IMAGE]) is None
    assert specgen(["create", "--network", "n:ip=10.0.0.300", "--", IMAGE]) is None
    assert specgen(["create", "--name"]) is None


def test_published_and_exposed_ports_are_carried_over() -> None:
    body = {
        "Image": "busybox",
        "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
        "HostConfig": {
            "PortBindings": {
                "80/tcp": [{"HostPort": "8080"}, {"HostIp": "127.0.0.1", "HostPort": "0"}],
                "53/udp": [{"HostIp": "::1", "HostPort": "5353"}],
            }
        },
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["expose"] == {80: "tcp", 53: "udp"}
    assert spec["portmappings"] == [
        {"host_ip": "", "container_port": 80, "host_port": 8080, "protocol": "tcp"},
        {"host_ip": "127.0.0.1", "container_port": 80, "host_port": 0, "protocol": "tcp"},
        {"host_ip": "::1", "container_port": 53, "host_port": 5353, "protocol": "udp"},
    ]


@pytest.mark.parametrize(
    ("given", "kept"),
    [("0.0.0.0", ""), ("::", "::"), ("0:0::1", "::1"), ("::ffff:127.0.0.1", "127.0.0.1")],
)
def test_host_addresses_are_kept_as_podmans_cli_keeps_them(given: str, kept: str) -> None:
    """0.0.0.0 as no address, the rest in Go's canonical form (the CLI's parseSplitPort)."""
    body = {"Image": "busybox", "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": given}]}}}
    spec = specgen(_argv(body))
    assert spec is not None and spec["portmappings"][0]["host_ip"] == kept


@pytest.mark.parametrize(
    ("host", "fields"),
    [
        ({"RestartPolicy": {"Name": "always"}}, {"restart_policy": "always"}),
        ({"RestartPolicy": {"Name": "unless-stopped"}}, {"restart_policy": "unless-stopped"}),
        (
            {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}},
            {"restart_policy": "on-failure", "restart_tries": 3},
        ),
        ({"RestartPolicy": {"Name": "on-failure"}}, {"restart_policy": "on-failure"}),
        ({"AutoRemove": True}, {"remove": True}),
    ],
)
def test_restart_policies_and_autoremove_are_carried_over(
    host: dict[str, Any], fields: dict[str, Any]
) -> None:
    spec = specgen(_argv({"Image": "busybox", "HostConfig": host}))
    assert spec is not None
    assert {k: spec[k] for k in fields} == fields
    assert specgen(["create", "--restart", "sometimes", "--network", "n", "--", IMAGE]) is None
    assert specgen(["create", "--restart", "always:2", "--network", "n", "--", IMAGE]) is None


def test_binds_volumes_mounts_and_tmpfs_are_carried_over_as_podmans_cli_reads_them() -> None:
    body = {
        "Image": "busybox",
        "Volumes": {"/cache": {}},
        "HostConfig": {
            "Binds": ["/srv/site:/site:ro,rslave", "data:/data:nocopy", "logs:/var/log"],
            "Mounts": [
                {"Type": "bind", "Source": "/etc/app", "Target": "/etc/app/", "ReadOnly": True,
                 "BindOptions": {"Propagation": "rprivate"}},
                {"Type": "volume", "Source": "db", "Target": "/db"},
                {"Type": "volume", "Target": "//anon//x"},
                {"Type": "volume", "Source": "keep", "Target": "/keep", "ReadOnly": True,
                 "VolumeOptions": {"NoCopy": True}},
                {"Type": "tmpfs", "Target": "/scratch",
                 "TmpfsOptions": {"SizeBytes": 65536, "Mode": 0o1777}},
            ],
            "Tmpfs": {"/run/app": "size=1m"},
        },
    }  # fmt: skip
    spec = specgen(_argv(body))
    assert spec is not None
    mounts = sorted(spec["mounts"], key=lambda m: m["destination"])
    assert mounts == [
        {"destination": "/etc/app", "type": "bind", "source": "/etc/app",
         "options": ["rprivate", "ro"]},
        {"destination": "/run/app", "type": "tmpfs", "source": "tmpfs",
         "options": ["noexec", "nosuid", "nodev", "size=1m"]},
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
         "options": ["size=65536", "mode=1777", "noexec", "nosuid", "nodev"]},
        {"destination": "/site", "type": "bind", "source": "/srv/site",
         "options": ["ro", "rslave"]},
    ]  # fmt: skip
    volumes = sorted(spec["volumes"], key=lambda v: v["Dest"])
    assert volumes == [
        {"Name": "", "Dest": "/anon/x"},
        {"Name": "", "Dest": "/cache"},
        {"Name": "data", "Dest": "/data", "Options": ["nocopy"]},
        {"Name": "db", "Dest": "/db"},
        {"Name": "keep", "Dest": "/keep", "Options": ["nocopy", "ro"]},
        {"Name": "logs", "Dest": "/var/log"},
    ]


@pytest.mark.parametrize(
    "argv_options",
    [
        ["--volume", "./here:/x"],  # the CLI resolves it against its own directory
        ["--volume", "data:rel"],
        ["--volume", "data:/x:U"],  # an option Docker's fields never write
        ["--volume", "a:/x", "--volume", "b:/x"],  # the CLI's duplicate error stays its own
        ["--volume", "/x", "--tmpfs", "/x/"],
        ["--volume", "a:b:c:d"],
        ["--mount", "type=bind,source=/a,target=/x,idmap"],
        ["--mount", 'type=bind,source="/a",target=/x'],
        ["--mount", "type=volume,source=v,target=/x,nocopy"],  # podman 4.3's --mount refuses it
        ["--mount", "type=image,source=busybox,target=/x"],
        ["--mount", "type=bind,target=/x"],
        ["--mount", "type=tmpfs,source=t,target=/x"],
        ["--tmpfs", "rel:size=1m"],
        ["--tmpfs", "/x:size=1m:more"],
    ],
)
def test_storage_the_cli_would_read_otherwise_is_left_to_it(argv_options: list[str]) -> None:
    argv = ["create", *argv_options, "--network", "podman", "--", IMAGE]
    assert specgen(argv) is None, argv


def test_a_mount_of_a_volume_without_copy_goes_to_podman_as_a_volume_flag() -> None:
    mount = {"Type": "volume", "Source": "v", "Target": "/x/", "VolumeOptions": {"NoCopy": True}}
    argv = _argv({"Image": "busybox", "HostConfig": {"Mounts": [mount]}})
    assert "--volume" in argv and argv[argv.index("--volume") + 1] == "v:/x:nocopy"
    assert "--mount" not in argv


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        (["CMD", "curl", "-f", "http://localhost/"], ["CMD", "curl", "-f", "http://localhost/"]),
        (["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
         ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
        (["CMD", "true"], ["CMD-SHELL", "true"]),  # podman 4.3's CLI: one word is a shell line
    ],
)  # fmt: skip
def test_healthchecks_are_carried_over_as_podmans_cli_reads_them(
    test: list[str], expected: list[str]
) -> None:
    body = {
        "Image": "busybox",
        "Healthcheck": {"Test": test, "Interval": 2_000_000_000, "Retries": 5},
    }
    spec = specgen(_argv(body))
    assert spec is not None
    # the CLI's defaults fill what the client left out: timeout 30 s, start period 0
    assert spec["healthconfig"] == {
        "Test": expected,
        "Interval": 2_000_000_000,
        "Timeout": 30_000_000_000,
        "Retries": 5,
    }


def test_no_healthcheck_and_extra_hosts_are_carried_over() -> None:
    body = {
        "Image": "busybox",
        "Healthcheck": {"Test": ["NONE"]},
        "HostConfig": {"ExtraHosts": ["db:10.0.0.5", "v6:fd00::1"]},
    }
    spec = specgen(_argv(body))
    assert spec is not None
    assert spec["healthconfig"] == {"Test": ["NONE"]}
    assert spec["hostadd"] == ["db:10.0.0.5", "v6:fd00::1"]


def test_capabilities_privileged_init_and_a_read_only_root_are_carried_over() -> None:
    host = {
        "CapAdd": ["NET_ADMIN", "SYS_PTRACE"],
        "CapDrop": ["MKNOD"],
        "Privileged": True,
        "Init": True,
        "ReadonlyRootfs": True,
    }
    spec = specgen(_argv({"Image": "busybox", "HostConfig": host}))
    assert spec is not None
    assert spec["cap_add"] == ["NET_ADMIN", "SYS_PTRACE"] and spec["cap_drop"] == ["MKNOD"]
    assert spec["privileged"] is spec["init"] is spec["read_only_filesystem"] is True
    assert "mounts" not in spec  # Docker's read-only root has no tmpfs of podman's own
    read_only = ["create", "--read-only", "--network", "podman", "--", IMAGE]
    assert specgen(read_only) is None  # without --read-only-tmpfs=false the CLI adds tmpfs
    assert specgen(["create", "--cap-add", "A,B", "--network", "podman", "--", IMAGE]) is None
