"""`GET /version` and `GET /info` bodies in Docker's shape, from `podman version`/`podman info`.

Fields dockerd reports that have no rootless-podman equivalent carry Docker's neutral values
(empty, false, zero) rather than invented ones.
"""

from __future__ import annotations

import platform
from typing import Any

from dockershim import __version__

_GOARCH = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}


def goarch(machine: str | None = None) -> str:
    machine = machine or platform.machine()
    return _GOARCH.get(machine, machine)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _runtime_version(info: dict[str, Any]) -> tuple[str, str]:
    runtime = info.get("host", {}).get("ociRuntime", {}) or {}
    name = runtime.get("name", "runc")
    first = _first_line(runtime.get("version"))
    version = first.split(" version ", 1)[1] if " version " in first else first
    return name, version


def version_body(
    podman_version: dict[str, Any],
    podman_info: dict[str, Any],
    *,
    api_version: str,
    min_api_version: str,
    kernel: str,
) -> dict[str, Any]:
    client = podman_version.get("Client") or podman_version.get("Server") or {}
    podman = str(client.get("Version", ""))
    host = podman_info.get("host", {})
    conmon = _first_line((host.get("conmon") or {}).get("version"))
    runtime_name, runtime_version = _runtime_version(podman_info)
    arch = goarch()
    engine_details = {
        "ApiVersion": api_version,
        "Arch": arch,
        "BuildTime": "",
        "Experimental": "false",
        "GitCommit": "",
        "GoVersion": "",
        "KernelVersion": kernel,
        "MinAPIVersion": min_api_version,
        "Os": "linux",
    }
    return {
        "Platform": {"Name": f"dockershim {__version__} (rootless podman {podman})"},
        "Components": [
            {"Name": "Engine", "Version": __version__, "Details": engine_details},
            {
                "Name": "Podman Engine",
                "Version": podman,
                "Details": {
                    "APIVersion": str(client.get("APIVersion", podman)),
                    "GoVersion": str(client.get("GoVersion", "")),
                    "OsArch": str(client.get("OsArch", f"linux/{arch}")),
                },
            },
            {
                "Name": "Conmon",
                "Version": conmon,
                "Details": {"Package": (host.get("conmon") or {}).get("package", "")},
            },
            {"Name": runtime_name, "Version": runtime_version, "Details": {"GitCommit": ""}},
        ],
        "Version": __version__,
        "ApiVersion": api_version,
        "MinAPIVersion": min_api_version,
        "GitCommit": "",
        "GoVersion": "",
        "Os": "linux",
        "Arch": arch,
        "KernelVersion": kernel,
        "BuildTime": "",
    }


def _cgroup_version(info: dict[str, Any]) -> str:
    return str(info.get("host", {}).get("cgroupVersion", "v2")).removeprefix("v")


def with_live_counts(
    podman_info: dict[str, Any], container_states: list[str], image_ids: list[str]
) -> dict[str, Any]:
    """`podman info` (taken earlier) with the container and image counts of now.

    podman info takes ~0.5 s; everything else in it stays as it was while the service runs.
    `container_states` are `podman ps -a` State values, `image_ids` `podman images -aq` lines.
    """
    running = container_states.count("running")
    paused = container_states.count("paused")
    store = dict(podman_info.get("store") or {})
    store["containerStore"] = {
        "number": len(container_states),
        "running": running,
        "paused": paused,
        "stopped": len(container_states) - running - paused,
    }
    store["imageStore"] = {**(store.get("imageStore") or {}), "number": len(set(image_ids))}
    return {**podman_info, "store": store}


def info_body(
    podman_info: dict[str, Any],
    *,
    hostname: str,
    kernel: str,
    system_time: str,
    debug: bool = False,
) -> dict[str, Any]:
    host = podman_info.get("host", {})
    store = podman_info.get("store", {})
    containers = store.get("containerStore", {})
    distribution = host.get("distribution", {})
    runtime_name, _ = _runtime_version(podman_info)
    security = host.get("security", {})
    cgroup_v2 = _cgroup_version(podman_info) == "2"
    options = []
    if security.get("apparmorEnabled"):
        options.append("name=apparmor")
    if security.get("seccompEnabled"):
        options.append("name=seccomp,profile=builtin")
    if security.get("selinuxEnabled"):
        options.append("name=selinux")
    if security.get("rootless", True):
        options.append("name=rootless")
    if cgroup_v2:
        options.append("name=cgroupns")
    warnings = []
    if not cgroup_v2:
        warnings.append(
            "WARNING: Running in rootless-mode without cgroups v2. Resource limits and pause "
            "are not supported on this host."
        )
    total = int(containers.get("number", 0))
    running = int(containers.get("running", 0))
    paused = int(containers.get("paused", 0))
    distro = str(distribution.get("distribution", "linux")).capitalize()
    os_name = f"{distro} {distribution.get('version', '')}".strip()
    if distribution.get("codename"):
        os_name += f" ({distribution['codename']})"
    runtime_path = (host.get("ociRuntime") or {}).get("path", runtime_name)
    return {
        "ID": hostname,
        "Containers": total,
        "ContainersRunning": running,
        "ContainersPaused": paused,
        "ContainersStopped": int(containers.get("stopped", total - running - paused)),
        "Images": int(store.get("imageStore", {}).get("number", 0)),
        "Driver": store.get("graphDriverName", "vfs"),
        "DriverStatus": [[k, str(v)] for k, v in (store.get("graphStatus") or {}).items()],
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "macvlan", "null"],
            "Authorization": None,
            "Log": ["json-file", "journald", "k8s-file", "none"],
        },
        "MemoryLimit": cgroup_v2,
        "SwapLimit": cgroup_v2,
        "CpuCfsPeriod": cgroup_v2,
        "CpuCfsQuota": cgroup_v2,
        "CPUShares": cgroup_v2,
        "CPUSet": cgroup_v2,
        "PidsLimit": cgroup_v2,
        "OomKillDisable": False,
        "IPv4Forwarding": True,
        "BridgeNfIptables": False,
        "BridgeNfIp6tables": False,
        "Debug": debug,
        "NFd": 0,
        "NGoroutines": 0,
        "SystemTime": system_time,
        "LoggingDriver": "json-file",
        "CgroupDriver": host.get("cgroupManager", "cgroupfs"),
        "CgroupVersion": _cgroup_version(podman_info),
        "NEventsListener": 0,
        "KernelVersion": kernel,
        "OperatingSystem": os_name,
        "OSVersion": str(distribution.get("version", "")),
        "OSType": "linux",
        "Architecture": platform.machine(),
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": [],
            "AllowNondistributableArtifactsHostnames": [],
            "InsecureRegistryCIDRs": ["127.0.0.0/8", "::1/128"],
            "IndexConfigs": {
                "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
            },
            "Mirrors": [],
        },
        "NCPU": int(host.get("cpus", 1)),
        "MemTotal": int(host.get("memTotal", 0)),
        "GenericResources": None,
        "DockerRootDir": store.get("graphRoot", ""),
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": hostname,
        "Labels": [],
        "ExperimentalBuild": False,
        "ServerVersion": __version__,
        "Runtimes": {runtime_name: {"path": runtime_path}},
        "DefaultRuntime": runtime_name,
        "Swarm": {
            "NodeID": "",
            "NodeAddr": "",
            "LocalNodeState": "inactive",
            "ControlAvailable": False,
            "Error": "",
            "RemoteManagers": None,
        },
        "LiveRestoreEnabled": True,
        "Isolation": "",
        "InitBinary": "catatonit",
        "ContainerdCommit": {"ID": "", "Expected": ""},
        "RuncCommit": {"ID": "", "Expected": ""},
        "InitCommit": {"ID": "", "Expected": ""},
        "SecurityOptions": options,
        "CDISpecDirs": [],
        "Warnings": warnings,
    }
