"""A `podman create` argv (translate/container_create.py) as the libpod specgen of the same
container, so podman's service child can create it in-process (engine/changes.py): ~10 ms
there against ~45 ms for a `podman create` process (bench/mutation_steps.py).

Only the options in `_FLAGS` and `_VALUED` (a reader each) are carried over (storage through
translate/specgen_storage.py, process options through translate/specgen_process.py), each
to the specgen field podman's own CLI fills for it (podman 4.3, cmd/podman/common and
pkg/specgenutil); an argv with any other option gives None and the CLI creates the
container. That keeps the rest of the create translation in one place, the argv, and bounds
what has to be proven equal: tests/integration/test_service_child.py creates the same bodies
both ways and compares Docker's and podman's inspect of the two and what they print. CLI
defaults the service does not apply are set here: the annotation `io.kubernetes.cri-o.TTY`,
`sdnotifyMode` and the default rlimits.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from dockershim.translate.specgen_host import FLAGS as HOST_FLAGS
from dockershim.translate.specgen_host import SpecgenHost, namespace
from dockershim.translate.specgen_process import FLAGS as PROCESS_FLAGS
from dockershim.translate.specgen_process import SpecgenProcess
from dockershim.translate.specgen_storage import SpecgenStorage

# options without a value, and the specgen field each sets
_FLAGS = {
    "--tty": "terminal", "--interactive": "stdin", "--rm": "remove", "--init": "init",
    "--privileged": "privileged", "--read-only": "read_only_filesystem",
    "--publish-all": "publish_image_ports",
}  # fmt: skip
# --read-only comes with this: the CLI would otherwise add tmpfs on /tmp, /var/tmp and /run
_NO_READ_ONLY_TMPFS = "--read-only-tmpfs=false"
_HEALTH = (
    "--health-cmd", "--health-interval", "--health-timeout", "--health-start-period",
    "--health-retries",
)  # fmt: skip
_PROTOCOLS = ("tcp", "udp", "sctp")
_RESTART = {"always", "unless-stopped", "on-failure"}
_TTY_ANNOTATION = "io.kubernetes.cri-o.TTY"
_BRIDGE = {"nsmode": "bridge"}
_MAC = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")


def specgen(argv: Sequence[str], *, image_volume_mode: str = "anonymous") -> dict[str, Any] | None:
    """The specgen of `create OPTIONS -- IMAGE [COMMAND...]`, or None when an option has none
    here (then the CLI must create it). `image_volume_mode` is what the CLI takes from
    containers.conf (podman/containers_conf.py)."""
    if list(argv[:1]) != ["create"] or "--" not in argv:
        return None
    cut = list(argv).index("--")
    options, rest = list(argv[1:cut]), list(argv[cut + 1 :])
    if not rest:
        return None
    built = _Spec(rest[0], rest[1:], image_volume_mode)
    i = 0
    while i < len(options):
        flag = options[i]
        if flag == "--no-healthcheck":
            built.health[flag] = ""
        elif flag in _FLAGS:
            built.spec[_FLAGS[flag]] = True
        elif flag != _NO_READ_ONLY_TMPFS:
            take = _VALUED.get(flag)
            if take is None or i + 1 >= len(options):
                return None
            if not take(built, flag, str(options[i + 1])):  # a Secret (env): the body only
                return None
            i += 1
        i += 1
    if built.spec.get("read_only_filesystem") and _NO_READ_ONLY_TMPFS not in options:
        return None
    return built.finish()


class _Spec:
    """A specgen as the options are read: one method per option (or kind of option), False
    when this one has no specgen twin here."""

    def __init__(self, image: str, command: list[str], image_volume_mode: str) -> None:
        # an empty (not absent) r_limits has podman set nofile and nproc to its own limits, as
        # its CLI does; absent, the container would inherit conmon's and inspect would list none
        self.spec: dict[str, Any] = {
            "image": image,
            "sdnotifyMode": "container",
            "r_limits": [],
            "image_volume_mode": image_volume_mode,
        }
        if command:
            self.spec["command"] = command
        self.annotations: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.networks: dict[str, dict[str, Any]] = {}
        self.ports: list[dict[str, Any]] = []
        self.expose: dict[str, str] = {}
        self.storage = SpecgenStorage()
        self.process = SpecgenProcess()
        self.host = SpecgenHost()
        self.health: dict[str, str] = {}
        self.netns = _BRIDGE  # or none, host, another container's: a mode without networks

    def pull(self, flag: str, value: str) -> bool:
        return value == "never"

    def field(self, flag: str, value: str) -> bool:
        self.spec[_FIELDS[flag]] = value
        return True

    def key_value(self, flag: str, value: str) -> bool:
        key, sep, val = value.partition("=")
        (self.annotations if flag == "--annotation" else self.labels)[key] = val
        return bool(sep)

    def variable(self, flag: str, value: str) -> bool:
        key, sep, val = value.partition("=")
        if not sep or key in self.env:
            return False
        self.env[key] = val
        return True

    def unset(self, flag: str, value: str) -> bool:
        self.spec.setdefault("unsetenv", []).append(value)
        return True

    def network(self, flag: str, value: str) -> bool:
        mode = _network_mode(value)
        if mode is not None and not self.networks and self.netns == _BRIDGE:
            self.netns = mode
            return True
        endpoint = _endpoint(value)
        if endpoint is None or self.netns != _BRIDGE:
            return False
        self.networks[endpoint[0]] = endpoint[1]
        return True

    def dns(self, flag: str, value: str) -> bool:
        key, ok = _DNS[flag]
        self.spec.setdefault(key, []).append(value)
        return ok(value)

    def process_option(self, flag: str, value: str) -> bool:
        return self.process.add(flag, value)

    def host_option(self, flag: str, value: str) -> bool:
        return self.host.add(flag, value)

    def storage_option(self, flag: str, value: str) -> bool:
        return self.storage.add(flag, value)

    def health_option(self, flag: str, value: str) -> bool:
        self.health[flag] = value
        return True

    def entrypoint(self, flag: str, value: str) -> bool:
        self.spec["entrypoint"] = _entrypoint(value)
        return self.spec["entrypoint"] is not None

    def stop_timeout(self, flag: str, value: str) -> bool:
        if not value.isdigit():
            return False
        self.spec["stop_timeout"] = int(value)
        return True

    def publish(self, flag: str, value: str) -> bool:
        mapping = _port_mapping(value)
        if mapping is None:
            return False
        self.ports.append(mapping)
        return True

    def restart(self, flag: str, value: str) -> bool:
        policy, _, tries = value.partition(":")
        retries_ok = not tries or (policy == "on-failure" and tries.isdigit())
        if policy not in _RESTART or not retries_ok:
            return False
        self.spec["restart_policy"] = policy
        if tries:
            self.spec["restart_tries"] = int(tries)
        return True

    def capability(self, flag: str, value: str) -> bool:
        if not value or "," in value or '"' in value:  # a list flag: the CLI splits at ","
            return False
        self.spec.setdefault("cap_add" if flag == "--cap-add" else "cap_drop", []).append(value)
        return True

    def extra_host(self, flag: str, value: str) -> bool:
        self.spec.setdefault("hostadd", []).append(value)
        return _is_extra_host(value)

    def exposed(self, flag: str, value: str) -> bool:
        port, _, proto = value.partition("/")
        if not _is_port(port) or proto not in _PROTOCOLS or port in self.expose:
            return False
        self.expose[port] = proto
        return True

    def finish(self) -> dict[str, Any] | None:
        spec = self.spec
        spec.update(self.process.fields)
        spec.update(self.host.fields)
        annotations = {**self.annotations, **self.process.annotations}
        annotations.setdefault(_TTY_ANNOTATION, "true" if spec.get("terminal") else "false")
        spec["annotations"] = annotations
        if self.labels:
            spec["labels"] = self.labels
        if self.env:
            spec["env"] = self.env
        if self.ports:
            spec["portmappings"] = self.ports
        if self.expose:
            spec["expose"] = {int(port): proto for port, proto in self.expose.items()}
        if self.health:
            config = _healthcheck(self.health)
            if config is None:
                return None
            spec["healthconfig"] = config
        if self.storage.mounts:
            spec["mounts"] = self.storage.mounts
        if self.storage.volumes:
            spec["volumes"] = self.storage.volumes
        if self.storage.volumes_from:
            spec["volumes_from"] = self.storage.volumes_from
        if self.netns != _BRIDGE:
            spec["netns"] = self.netns
            return spec
        if not self.networks:
            return None  # the CLI's own default network, whatever containers.conf says
        spec["netns"] = _BRIDGE
        spec["Networks"] = self.networks
        return spec


_DEFAULT_HEALTH = {  # podman 4.3's flag defaults, in nanoseconds
    "--health-interval": 30_000_000_000,
    "--health-timeout": 30_000_000_000,
    "--health-start-period": 0,
}
_HEALTH_WORDS = ("CMD", "CMD-SHELL", "NONE")


def _healthcheck(flags: dict[str, str]) -> dict[str, Any] | None:
    """The health config podman 4.3's CLI makes of the health flags (pkg/specgenutil
    makeHealthCheckFromCli), for the shapes translate/container_create.py writes: a JSON array
    for Docker's CMD, the shell string for CMD-SHELL, durations in `Nns`. What the CLI reads
    in a way of its own (a command whose first word is one of its keywords, timings without a
    command, which it ignores) stays with the CLI."""
    if "--no-healthcheck" in flags:
        return {"Test": ["NONE"]} if len(flags) == 1 else None
    command = flags.get("--health-cmd")
    if not command:
        return None
    try:
        parsed: Any = json.loads(command)
    except ValueError:
        parsed = command  # not JSON: the CLI splits it at the first space
    if isinstance(parsed, list) and parsed and all(isinstance(p, str) for p in parsed):
        words: list[str] = parsed
        test = ["CMD", *words] if len(words) > 1 else ["CMD-SHELL", words[0]]
    elif isinstance(parsed, list) or parsed is None:
        return None
    else:
        words = command.split(" ", 1)
        test = ["CMD-SHELL", command]
    if words[0].upper() in _HEALTH_WORDS:
        return None
    config: dict[str, Any] = {"Test": test}
    for flag, key in (
        ("--health-interval", "Interval"),
        ("--health-timeout", "Timeout"),
        ("--health-start-period", "StartPeriod"),
    ):
        text = flags.get(flag)
        ns = _DEFAULT_HEALTH[flag] if text is None else _nanoseconds(text)
        if ns is None or (key == "Timeout" and ns < 1):
            return None
        if ns:
            config[key] = ns
    retries = flags.get("--health-retries", "3")
    if not (retries.isascii() and retries.isdigit()) or int(retries) < 1:
        return None
    config["Retries"] = int(retries)
    return config


def _nanoseconds(text: str) -> int | None:
    """A duration as container_fields.duration writes it (`Nns`); anything else: None."""
    digits = text.removesuffix("ns")
    if digits == text or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


def _go_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`text` as an address when Go's net.ParseIP, which the CLI uses, takes it too: Python
    also reads a zone (`fe80::1%eth0`), which ParseIP refuses, so those go to the CLI."""
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_dns_server(value: str) -> bool:
    """An address the CLI parses; its `none` (the image's resolv.conf) is left to it."""
    return _go_ip(value) is not None


_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")


def _is_domain(value: str) -> bool:
    """A search domain as podman's parse.ValidateDomain takes it (a letter somewhere, under
    255 characters), stricter; `.` (no search domains) is left to the CLI."""
    has_letter = any(c.isascii() and c.isalpha() for c in value)
    return has_letter and len(value) < 254 and _DOMAIN.fullmatch(value) is not None


def _is_dns_option(value: str) -> bool:
    return bool(value) and not any(c in value for c in ',"\n')  # a CSV list flag


_DNS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "--dns": ("dns_server", _is_dns_server),
    "--dns-search": ("dns_search", _is_domain),
    "--dns-option": ("dns_option", _is_dns_option),
}


def _is_extra_host(value: str) -> bool:
    """`NAME:IP`, which the CLI checks (a comma would split its list flag)."""
    name, _, address = value.partition(":")
    return bool(name) and "," not in value and '"' not in value and _go_ip(address) is not None


def _network_mode(value: str) -> dict[str, str] | None:
    """A mode without networks: none, host, or another container's (`container:NAME`);
    --network is a CSV list flag, so a comma is the CLI's to read."""
    return namespace(value, {"none", "host"}) if "," not in value else None


def _endpoint(value: str) -> tuple[str, dict[str, Any]] | None:
    """`NAME` or `NAME:OPTION,...` with aliases, static addresses and a MAC address, as
    parseBridgeNetworkOptions reads them (bridge networks; other modes and options: None)."""
    name, _, opts = value.partition(":")
    modes = ("host", "none", "private", "slirp4netns", "pasta", "bridge", "container", "ns")
    if not name or name in modes:
        return None
    options: dict[str, Any] = {}
    for opt in opts.split(",") if opts else []:
        key, sep, val = opt.partition("=")
        if not sep or not val:
            return None
        if key == "alias":
            options.setdefault("aliases", []).append(val)
        elif key in ("ip", "ip6") and _go_ip(val) is not None:
            options.setdefault("static_ips", []).append(val)
        elif key == "mac" and _MAC.fullmatch(val):
            options["static_mac"] = val
        else:
            return None
    return name, options


def _entrypoint(value: str) -> list[str] | None:
    """podman's --entrypoint: a JSON array, or one word; "" (clear it) has no specgen twin."""
    if not value:
        return None
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, list) and parsed and all(isinstance(p, str) for p in parsed):
            return parsed
        return None
    return [value]


def _port_mapping(value: str) -> dict[str, Any] | None:
    """`[IP:]HOSTPORT:PORT/PROTO` (translate/container_hostconfig.py's --publish; an empty host
    port asks podman for a free one; both ports may be ranges `A-B` of one length) as a libpod
    port mapping, as pkg/specgenutil parseSplitPort makes it."""
    spec, _, proto = value.rpartition("/")
    host_ip = ""
    if spec.startswith("["):  # [IPv6]:HOSTPORT:PORT
        host_ip, sep, spec = spec[1:].partition("]:")
        if not sep:
            return None
    parts = spec.split(":")
    if len(parts) == 3 and not host_ip:
        host_ip = parts.pop(0)
    if len(parts) != 2 or proto not in _PROTOCOLS:
        return None
    host_port, container_port = parts
    container_range = _port_range(container_port)
    if container_range is None:
        return None
    # no host port: podman picks free ones, as many as the container range
    host_range = _port_range(host_port) if host_port else (0, container_range[1])
    if host_range is None or host_range[1] != container_range[1]:
        return None  # ranges of two lengths: the CLI's error
    kept_ip = _canonical_ip(host_ip) if host_ip else ""
    if kept_ip is None:
        return None
    mapping = {
        "host_ip": kept_ip,
        "container_port": container_range[0],
        "host_port": host_range[0],
        "protocol": proto,
    }
    if container_range[1] > 1:
        mapping["range"] = container_range[1]
    return mapping


def _port_range(text: str) -> tuple[int, int] | None:
    """`PORT` or `FIRST-LAST` (LAST above FIRST): the first port and how many."""
    first, sep, last = text.partition("-")
    if not _is_port(first) or (sep and not _is_port(last)):
        return None
    if not sep:
        return int(first), 1
    return (int(first), int(last) - int(first) + 1) if int(last) > int(first) else None


def _canonical_ip(text: str) -> str | None:
    """A host address as podman's CLI keeps it (pkg/specgenutil parseSplitPort): 0.0.0.0 as
    no address at all, any other in Go's canonical form (net.IP.String(): an IPv4-mapped
    IPv6 address as IPv4); not an address: None."""
    if text == "0.0.0.0":
        return ""
    address = _go_ip(text)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _is_port(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) < 65536


# options that take a value: the specgen field of a plain one, and the reader of each
_FIELDS = {"--name": "name", "--hostname": "hostname", "--user": "user", "--workdir": "work_dir"}
_VALUED: dict[str, Callable[[_Spec, str, str], bool]] = {
    "--pull": _Spec.pull,
    **dict.fromkeys(_FIELDS, _Spec.field),
    **dict.fromkeys(("--annotation", "--label"), _Spec.key_value),
    "--env": _Spec.variable,
    "--unsetenv": _Spec.unset,
    "--network": _Spec.network,
    **dict.fromkeys(_DNS, _Spec.dns),
    **dict.fromkeys(PROCESS_FLAGS, _Spec.process_option),
    **dict.fromkeys(HOST_FLAGS, _Spec.host_option),
    **dict.fromkeys(("--volume", "--mount", "--tmpfs", "--volumes-from"), _Spec.storage_option),
    **dict.fromkeys(_HEALTH, _Spec.health_option),
    "--entrypoint": _Spec.entrypoint,
    "--stop-timeout": _Spec.stop_timeout,
    "--publish": _Spec.publish,
    "--restart": _Spec.restart,
    **dict.fromkeys(("--cap-add", "--cap-drop"), _Spec.capability),
    "--add-host": _Spec.extra_host,
    "--expose": _Spec.exposed,
}
