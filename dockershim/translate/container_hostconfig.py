"""HostConfig of a create body -> podman create flags (plus Docker's Warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.container_fields import (
    integer,
    no_option,
    obj,
    refuse_unhandled,
    str_list,
    str_map,
)
from dockershim.translate.container_network import network_flags
from dockershim.translate.container_resources import RESOURCE_FIELDS, resource_flags
from dockershim.translate.mount_modes import bind_spec, clean_path, propagation
from dockershim.translate.restart_config import MAX_RETRIES
from dockershim.translate.security_opts import security_flags
from dockershim.translate.validate import digits

# Fields accepted with their default meaning only or informational for other layers.
_ACCEPTED = {
    "ConsoleSize",  # the attach layer resizes the TTY
    "ContainerIDFile",  # a CLI-side file
}
_RESTART = {"", "no", "always", "unless-stopped", "on-failure"}
_LOG_TYPES = {"", "json-file", "local", "k8s-file", "none", "journald"}
# dockerd's other built-in drivers: known names that podman cannot serve
_DOCKER_LOG_TYPES = {"syslog", "fluentd", "gelf", "awslogs", "splunk", "etwlogs", "gcplogs"}


@dataclass
class HostFlags:
    argv: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    network_mode: str = "bridge"


def host_flags(
    host: dict[str, Any],
    networking: dict[str, Any],
    *,
    cgroup_v2: bool,
    host_gateway: str | None,
) -> HostFlags:
    out = HostFlags()
    a = out.argv
    a += _storage_flags(host)
    a += port_flags(obj(host.get("PortBindings"), "HostConfig.PortBindings"))
    if host.get("PublishAllPorts"):
        a.append("--publish-all")
    a += restart_flags(obj(host.get("RestartPolicy"), "HostConfig.RestartPolicy"))
    if host.get("AutoRemove"):
        if a[-2:-1] == ["--restart"] and a[-1] != "no":
            raise InvalidParameter("can't create 'AutoRemove' container with restart policy")
        a.append("--rm")
    mode, net_argv = network_flags(host.get("NetworkMode") or "", networking, out.warnings)
    out.network_mode = mode
    a += net_argv
    a += _name_flags(host, host_gateway)
    a += _privilege_flags(host)
    a += _process_flags(host)
    a += log_flags(obj(host.get("LogConfig"), "HostConfig.LogConfig"), out.warnings)
    a += device_flags(host.get("Devices"))
    a += system_flags(host)
    for key, value in str_map(host.get("Annotations"), "HostConfig.Annotations").items():
        if any(c in key + value for c in ',"\n') or key.startswith("io.dockershim."):
            raise InvalidParameter(f"HostConfig.Annotations: unsupported annotation {key!r}")
        a += ["--annotation", f"{no_option(key, 'HostConfig.Annotations')}={value}"]
    res_argv, res_warnings = resource_flags(host, cgroup_v2=cgroup_v2)
    a += res_argv
    out.warnings += res_warnings
    refuse_unhandled("HostConfig.", host, _HOST_READ | RESOURCE_FIELDS | _ACCEPTED)
    return out


# the HostConfig fields host_flags and the functions below read (resources: RESOURCE_FIELDS)
_HOST_READ = {
    "Binds", "Mounts", "Tmpfs", "VolumesFrom", "VolumeDriver",  # _storage_flags
    "PortBindings", "PublishAllPorts", "RestartPolicy", "AutoRemove", "NetworkMode",
    "LogConfig", "Devices", "Annotations",  # host_flags itself
    "Dns", "DnsSearch", "DnsOptions", "ExtraHosts",  # _name_flags
    "CapAdd", "CapDrop", "Privileged", "SecurityOpt", "ReadonlyRootfs", "Init",  # privileges
    "Ulimits", "ShmSize", "Sysctls", "GroupAdd", "IpcMode", "PidMode", "UsernsMode", "UTSMode",
    "OomScoreAdj",  # _process_flags
    "Isolation", "Runtime", "CgroupnsMode", "MaskedPaths", "ReadonlyPaths",  # system_flags
    "Links",  # the engine's (translate/links.py)
}  # fmt: skip


def _storage_flags(host: dict[str, Any]) -> list[str]:
    a: list[str] = []
    for bind in str_list(host.get("Binds"), "HostConfig.Binds"):
        a += ["--volume", bind_spec(no_option(bind, "HostConfig.Binds"))]
    for mount in host.get("Mounts") or []:
        a += mount_argv(obj(mount, "HostConfig.Mounts"))
    for target, opts in str_map(host.get("Tmpfs"), "HostConfig.Tmpfs").items():
        no_option(target, "HostConfig.Tmpfs")
        a += ["--tmpfs", f"{target}:{tmpfs_options(opts)}"]
    for source in str_list(host.get("VolumesFrom"), "HostConfig.VolumesFrom"):
        a += ["--volumes-from", no_option(source, "HostConfig.VolumesFrom")]
    driver = host.get("VolumeDriver") or ""
    if driver not in ("", "local"):
        raise InvalidParameter(f"VolumeDriver {driver!r} is not supported (only local)")
    return a


def _name_flags(host: dict[str, Any], host_gateway: str | None) -> list[str]:
    """DNS servers, search domains and options; /etc/hosts entries."""
    a: list[str] = []
    for flag, key in (
        ("--dns", "Dns"),
        ("--dns-search", "DnsSearch"),
        ("--dns-option", "DnsOptions"),
    ):
        for value in str_list(host.get(key), f"HostConfig.{key}"):
            a += [flag, no_option(value, f"HostConfig.{key}")]
    for entry in str_list(host.get("ExtraHosts"), "HostConfig.ExtraHosts"):
        a += ["--add-host", extra_host(entry, host_gateway)]
    return a


def _privilege_flags(host: dict[str, Any]) -> list[str]:
    a: list[str] = []
    for cap in str_list(host.get("CapAdd"), "HostConfig.CapAdd"):
        a += ["--cap-add", no_option(cap, "HostConfig.CapAdd")]
    for cap in str_list(host.get("CapDrop"), "HostConfig.CapDrop"):
        a += ["--cap-drop", no_option(cap, "HostConfig.CapDrop")]
    if host.get("Privileged"):
        a.append("--privileged")
    a += security_flags(host.get("SecurityOpt"))
    if host.get("ReadonlyRootfs"):
        a += ["--read-only", "--read-only-tmpfs=false"]
    if host.get("Init"):
        a.append("--init")
    return a


def _process_flags(host: dict[str, Any]) -> list[str]:
    """Ulimits, /dev/shm, sysctls, groups, namespaces and the OOM score."""
    a: list[str] = []
    for ulimit in host.get("Ulimits") or []:
        u = obj(ulimit, "HostConfig.Ulimits")
        name = no_option(str(u.get("Name", "")), "HostConfig.Ulimits")
        a += [
            "--ulimit",
            f"{name}={integer(u.get('Soft'), 'Soft')}:{integer(u.get('Hard'), 'Hard')}",
        ]
    shm = integer(host.get("ShmSize"), "HostConfig.ShmSize")
    if shm < 0:
        raise InvalidParameter("SHM size can not be less than 0")
    if shm:
        a += ["--shm-size", f"{shm}b"]
    for key, value in str_map(host.get("Sysctls"), "HostConfig.Sysctls").items():
        a += ["--sysctl", f"{no_option(key, 'HostConfig.Sysctls')}={value}"]
    for group in str_list(host.get("GroupAdd"), "HostConfig.GroupAdd"):
        a += ["--group-add", no_option(group, "HostConfig.GroupAdd")]
    for flag, key in (
        ("--ipc", "IpcMode"),
        ("--pid", "PidMode"),
        ("--userns", "UsernsMode"),
        ("--uts", "UTSMode"),
    ):
        value = host.get(key) or ""
        if key == "UsernsMode" and value == "host":
            continue  # Docker's "no remapping": rootless podman's default user namespace
        if value:
            a += [flag, no_option(str(value), f"HostConfig.{key}")]
    oom = integer(host.get("OomScoreAdj"), "HostConfig.OomScoreAdj")
    if oom:
        a += ["--oom-score-adj", str(oom)]
    return a


# dockerd mounts every tmpfs noexec,nosuid,nodev unless the client asks otherwise; podman's
# tmpfs allows exec, and refuses an option given together with its opposite.
_TMPFS_DEFAULTS = (("noexec", "exec"), ("nosuid", "suid"), ("nodev", "dev"))


def tmpfs_options(opts: str) -> str:
    """A HostConfig.Tmpfs entry's options for podman, with dockerd's defaults."""
    given = [o for o in opts.split(",") if o]
    defaults = [d for d, other in _TMPFS_DEFAULTS if d not in given and other not in given]
    return ",".join(defaults + given)


def mount_argv(m: dict[str, Any]) -> list[str]:
    """A HostConfig.Mounts entry as podman's --mount, or as --volume for a named volume that
    must not be filled from the image: podman 4.3's --mount refuses `nocopy` ("invalid mount
    option"), its --volume takes it."""
    volume_options = obj(m.get("VolumeOptions"), "VolumeOptions")
    flag = mount_flag(m)
    source = str(m.get("Source") or "")
    if m.get("Type") == "volume" and volume_options.get("NoCopy") and source:
        if ":" in source or not source[0].isalnum():  # a name, never a host path
            raise InvalidParameter(f"invalid volume name: {source!r}")
        target = clean_path(str(m["Target"]))
        return ["--volume", f"{source}:{target}:nocopy" + (",ro" if m.get("ReadOnly") else "")]
    return ["--mount", flag]


def mount_flag(m: dict[str, Any]) -> str:
    kind = m.get("Type") or ""
    target = str(m.get("Target") or "")
    source = str(m.get("Source") or "")
    if not target:
        raise InvalidParameter("invalid mount config: Target must not be empty")
    for text in (target, source):
        if "," in text:
            raise InvalidParameter(f"invalid mount config: ',' is not supported in paths: {text}")
    parts = [f"type={kind}"]
    if kind == "bind":
        if not source:
            raise InvalidParameter(
                'invalid mount config for type "bind": field Source must not be empty'
            )
        parts.append(f"source={source}")
        prop = obj(m.get("BindOptions"), "BindOptions").get("Propagation")
        if prop:
            parts.append(f"bind-propagation={propagation(str(prop))}")
    elif kind == "volume":
        if source:
            parts.append(f"source={source}")
        volume_options = obj(m.get("VolumeOptions"), "VolumeOptions")
        # NoCopy: see mount_argv (an anonymous volume is filled from the image all the same)
        if volume_options.get("Subpath"):
            # podman 4.3 mounts only whole volumes: refused rather than mounting the whole one
            raise InvalidParameter("VolumeOptions.Subpath is not supported by podman 4.3")
    elif kind == "tmpfs":
        if source:
            raise InvalidParameter(
                'invalid mount config for type "tmpfs": field Source must be empty'
            )
        opts = obj(m.get("TmpfsOptions"), "TmpfsOptions")
        if opts.get("SizeBytes"):
            parts.append(f"tmpfs-size={integer(opts['SizeBytes'], 'SizeBytes')}")
        if opts.get("Mode"):
            parts.append(f"tmpfs-mode={integer(opts['Mode'], 'Mode'):o}")
        parts += [o for o, _ in _TMPFS_DEFAULTS]
    else:
        raise InvalidParameter(f"mount type unknown or not supported: {kind!r}")
    parts.append(f"target={target}")
    if m.get("ReadOnly"):
        parts.append("ro=true")  # podman 4.3 knows `readonly` for binds only
    return ",".join(parts)


def port_flags(bindings: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for port, hosts in bindings.items():
        container_port, proto = _port_proto(port)
        for binding in hosts or [{}]:
            b = obj(binding, "HostConfig.PortBindings")
            host_ip = str(b.get("HostIp") or "")
            host_port = str(b.get("HostPort") or "")
            if host_port and not all(digits(p) for p in host_port.split("-")):
                raise InvalidParameter(f"invalid port specification: {host_port!r}")
            if host_port == "0" or host_port == "0-0":
                host_port = ""  # dockerd: port 0 asks for a free host port; podman wants it empty
            if ":" in host_ip:
                host_ip = f"[{host_ip.strip('[]')}]"
            spec = f"{host_port}:{container_port}/{proto}"
            if host_ip:
                spec = f"{host_ip}:{spec}"
            argv += ["--publish", spec]
    return argv


def _port_proto(text: str) -> tuple[str, str]:
    port, _, proto = text.partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp", "sctp") or not all(digits(p) for p in port.split("-")):
        raise InvalidParameter(f"invalid port specification: {text!r}")
    return port, proto


def expose_flags(exposed: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for port in exposed:
        container_port, proto = _port_proto(port)
        argv += ["--expose", f"{container_port}/{proto}"]
    return argv


def restart_flags(policy: dict[str, Any]) -> list[str]:
    name = str(policy.get("Name") or "")
    if name not in _RESTART:
        raise InvalidParameter(f"invalid restart policy '{name}'")
    retries = integer(policy.get("MaximumRetryCount"), "MaximumRetryCount")
    if retries and name != "on-failure":
        raise InvalidParameter(
            "invalid restart policy: maximum retry count can only be used with 'on-failure'"
        )
    if retries < 0:
        raise InvalidParameter("invalid restart policy: maximum retry count cannot be negative")
    if retries > MAX_RETRIES:
        raise InvalidParameter(f"invalid value for MaximumRetryCount: {retries}")
    if not name or name == "no":
        return []
    return ["--restart", f"on-failure:{retries}" if retries else name]


def extra_host(entry: str, host_gateway: str | None) -> str:
    name, sep, ip = entry.partition(":")
    if not sep:
        name, sep, ip = entry.partition("=")
    if not sep or not name or not ip:
        raise InvalidParameter(f"invalid IP address in add-host: {entry!r}")
    if ip == "host-gateway":
        if not host_gateway:
            raise InvalidParameter("unable to derive the IP value for host-gateway")
        ip = host_gateway
    return f"{no_option(name, 'HostConfig.ExtraHosts')}:{ip}"


def log_flags(log: dict[str, Any], warnings: list[str]) -> list[str]:
    kind = str(log.get("Type") or "")
    if kind in _DOCKER_LOG_TYPES:
        raise InvalidParameter(
            f'logging driver "{kind}" is not supported (use json-file, local or none)'
        )
    if kind not in _LOG_TYPES:
        raise InvalidParameter(f"logger: no log driver named '{kind}' is registered")
    argv: list[str] = []
    if kind == "none":
        argv += ["--log-driver", "none"]
    elif kind == "journald":
        argv += ["--log-driver", "journald"]
    for key, value in str_map(log.get("Config"), "HostConfig.LogConfig.Config").items():
        if key == "max-size" and kind in ("", "json-file", "local", "k8s-file"):
            argv += ["--log-opt", f"max-size={no_option(value, 'max-size')}"]
        elif key == "tag" and kind == "journald":
            argv += ["--log-opt", f"tag={value}"]
        elif key == "tag":  # conmon's k8s-file refuses a tag: the container would not start
            warnings.append("log option 'tag' applies to the journald driver only; ignored")
        else:
            warnings.append(f"log option {key!r} is not supported by podman and was ignored")
    return argv


def device_flags(devices: Any) -> list[str]:
    argv: list[str] = []
    for dev in devices or []:
        d = obj(dev, "HostConfig.Devices")
        host = no_option(str(d.get("PathOnHost") or ""), "HostConfig.Devices")
        if not host:
            raise InvalidParameter("HostConfig.Devices: PathOnHost must not be empty")
        spec = host
        inside = str(d.get("PathInContainer") or "")
        perms = str(d.get("CgroupPermissions") or "")
        if inside or perms:
            spec += f":{inside or host}"
        if perms:
            spec += f":{perms}"
        argv += ["--device", spec]
    return argv


def system_flags(host: dict[str, Any]) -> list[str]:
    """Isolation, Runtime, CgroupnsMode, MaskedPaths/ReadonlyPaths."""
    argv: list[str] = []
    isolation = str(host.get("Isolation") or "")
    if isolation not in ("", "default", "process"):
        raise InvalidParameter(f"invalid isolation: {isolation!r} (Linux supports only default)")
    runtime = str(host.get("Runtime") or "")
    if runtime not in ("", "runc", "io.containerd.runc.v2"):
        raise InvalidParameter(f"unknown or invalid runtime name: {runtime}")
    cgroupns = str(host.get("CgroupnsMode") or "")
    if cgroupns not in ("", "private", "host"):
        raise InvalidParameter(f"invalid cgroup namespace mode: {cgroupns}")
    if cgroupns:
        argv += ["--cgroupns", cgroupns]
    masked, readonly = host.get("MaskedPaths"), host.get("ReadonlyPaths")
    if masked or readonly:
        raise InvalidParameter(
            "HostConfig.MaskedPaths/ReadonlyPaths with paths are not supported by dockershim"
        )
    if masked == [] or readonly == []:
        # the CLI's `--security-opt systempaths=unconfined` sends empty lists
        argv += ["--security-opt", "unmask=ALL"]
    return argv
