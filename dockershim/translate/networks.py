"""Docker networks <-> podman networks (pure).

Names: podman's default network `podman` is Docker's `bridge`; `host` and `none` are presented
as Docker's built-in networks (they are network modes in podman, not network objects). Names
podman refuses (spaces, ...) live under a derived podman name (translate/network_names.py).

Create (`NetworkCreate` body) -> `podman network create` argv:
  translated: Name, Driver (bridge, macvlan, ipvlan), Internal, EnableIPv6, Labels,
              IPAM.Driver (default), IPAM.Config[].Subnet/Gateway/IPRange,
              Options (com.docker.network.driver.mtu -> mtu; podman's own mtu, vlan, isolate,
              metric, parent, mode), Attachable (recorded, no effect on a local network)
  accepted when they are Docker's defaults: com.docker.network.bridge.enable_icc=true,
              enable_ip_masquerade=true, host_binding_ipv4=0.0.0.0, default_bridge=false,
              Scope local, Ingress/ConfigOnly false, empty ConfigFrom
              AuxiliaryAddresses outside the IPRange (translate/network_aux.py)
  refused (400 naming it): other Options, other AuxiliaryAddresses, IPAM.Options, other IPAM
              drivers, Ingress, ConfigOnly, ConfigFrom, swarm scope
What podman cannot hold (the client's Options, IPRange spelling, Attachable) is kept in one
hidden label, `io.dockershim.network`, so inspect returns exactly what the client sent; hidden
labels are never shown to clients.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any

from dockershim.errors import Forbidden, InvalidParameter, NotFound
from dockershim.translate.filters import Filters, label_matches
from dockershim.translate.network_aux import aux_addresses
from dockershim.translate.network_names import (
    DEFAULT_DOCKER,
    DEFAULT_PODMAN,
    NAME_LABEL,
    check_name,
    docker_name,
    is_derived,
    podman_name,
)

BUILTIN = ("bridge", "host", "none")
HIDDEN_LABEL = "io.dockershim.network"
ZERO_TIME = "0001-01-01T00:00:00Z"

_DRIVERS = ("bridge", "macvlan", "ipvlan")
_DOCKER_TO_PODMAN_OPTS = {"com.docker.network.driver.mtu": "mtu"}
_PODMAN_OPTS = ("mtu", "vlan", "isolate", "metric", "parent", "mode")
_DEFAULT_OPTS = {
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.default_bridge": "false",
}
_PODMAN_TO_DOCKER_OPTS = {"mtu": "com.docker.network.driver.mtu"}


def builtin_id(name: str) -> str:
    """Stable ids for `host` and `none` (dockerd makes random ones once per host)."""
    return hashlib.sha256(f"dockershim-network-{name}".encode()).hexdigest()


def to_podman_name(ref: str) -> str:
    """A client's network reference as podman knows it (`bridge` is `podman`)."""
    return podman_name(ref)


def to_docker_name(name: str) -> str:
    """A podman network name without its JSON (no label to read): `podman` is `bridge`."""
    return DEFAULT_DOCKER if name == DEFAULT_PODMAN else name


def validate_ref(ref: str) -> str:
    if not ref.strip() or "\x00" in ref or "/" in ref:
        raise NotFound(f"network {ref} not found")
    return ref


def _bool(body: Mapping[str, Any], key: str) -> bool:
    value = body.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidParameter(f"invalid value for {key}: expected a boolean")
    return value


def _str_map(body: Mapping[str, Any], key: str) -> dict[str, str]:
    value = body.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidParameter(f"invalid value for {key}: expected an object of strings")
    return {str(k): v for k, v in value.items()}


def _check_unsupported(body: Mapping[str, Any]) -> None:
    for key in ("Ingress", "ConfigOnly"):
        if _bool(body, key):
            raise InvalidParameter(f"{key} networks are not supported by dockershim (podman)")
    config_from = body.get("ConfigFrom") or {}
    if isinstance(config_from, dict) and config_from.get("Network"):
        raise InvalidParameter("ConfigFrom is not supported by dockershim (podman)")
    scope = body.get("Scope") or "local"
    if scope != "local":
        raise InvalidParameter(f"invalid scope {scope!r}: only local networks are supported")


def _option_args(options: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in options.items():
        if key in _DOCKER_TO_PODMAN_OPTS:
            args += ["--opt", f"{_DOCKER_TO_PODMAN_OPTS[key]}={value}"]
        elif key in _PODMAN_OPTS:
            args += ["--opt", f"{key}={value}"]
        elif key == "macvlan_mode" or key == "ipvlan_mode":
            args += ["--opt", f"mode={value}"]
        elif _DEFAULT_OPTS.get(key) == value.lower():
            continue
        elif key == "com.docker.network.bridge.name":
            raise InvalidParameter(
                f"network option {key}={value} is not supported by dockershim: podman 4.3's "
                "`network create` cannot name the bridge interface (no --interface-name, no "
                "such -o option)"
            )
        else:
            raise InvalidParameter(
                f"network option {key}={value} is not supported by dockershim (podman)"
            )
    return args


def _ipam_args(ipam: Any) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """IPAM -> (argv, IPRanges as the client spelled them, each pool's AuxiliaryAddresses)."""
    if ipam is None:
        return [], [], []
    if not isinstance(ipam, dict):
        raise InvalidParameter("invalid value for IPAM: expected an object")
    driver = ipam.get("Driver") or "default"
    if driver != "default":
        raise NotFound(f'plugin "{driver}" not found')
    if ipam.get("Options"):
        raise InvalidParameter("IPAM Options are not supported by dockershim (podman)")
    args: list[str] = []
    ranges: list[str] = []
    aux: list[dict[str, str]] = []
    for pool in ipam.get("Config") or []:
        if not isinstance(pool, dict):
            raise InvalidParameter("invalid value for IPAM.Config: expected objects")
        subnet = pool.get("Subnet") or ""
        if not subnet:
            raise InvalidParameter("IPAM config without a Subnet is not supported by dockershim")
        _check_cidr(subnet, "Subnet")
        args += ["--subnet", subnet]
        if pool.get("Gateway"):
            check_ip(pool["Gateway"], "Gateway")
            args += ["--gateway", pool["Gateway"]]
        if pool.get("IPRange"):
            _check_cidr(pool["IPRange"], "IPRange")
            args += ["--ip-range", pool["IPRange"]]
            ranges.append(pool["IPRange"])
        aux.append(aux_addresses(pool))
    return args, ranges, aux


def _check_cidr(value: Any, field: str) -> None:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise InvalidParameter(f"invalid {field}: {value!r} is not a CIDR") from None


def check_ip(value: Any, field: str) -> None:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        raise InvalidParameter(f"invalid {field}: {value!r} is not an IP address") from None


def create_argv(body: Mapping[str, Any]) -> list[str]:
    """`NetworkCreate` body -> `podman network create` argv (name last, after `--`)."""
    name = body.get("Name")
    if not isinstance(name, str) or not name:
        raise InvalidParameter("network name is required")
    if name in BUILTIN:
        raise Forbidden(f"{name} is a pre-defined network and cannot be created")
    check_name(name)
    _check_unsupported(body)
    driver = body.get("Driver") or "bridge"
    if driver not in _DRIVERS:
        raise NotFound(f'plugin "{driver}" not found')
    options = _str_map(body, "Options")
    labels = _str_map(body, "Labels")
    argv = ["network", "create", "--driver", driver]
    if _bool(body, "Internal"):
        argv.append("--internal")
    if _bool(body, "EnableIPv6"):
        argv.append("--ipv6")
    ipam_args, ranges, aux = _ipam_args(body.get("IPAM"))
    argv += ipam_args + _option_args(options)
    for key, value in labels.items():
        if key.startswith("io.dockershim."):
            raise InvalidParameter(f"label {key} is reserved by dockershim")
        argv += ["--label", f"{key}={value}"]
    hidden: dict[str, Any] = {}
    if options:
        hidden["Options"] = options
    if ranges:
        hidden["IPRanges"] = ranges
    if any(aux):
        hidden["AuxAddresses"] = aux
    if _bool(body, "Attachable"):
        hidden["Attachable"] = True
    if hidden:
        argv += ["--label", f"{HIDDEN_LABEL}={json.dumps(hidden, sort_keys=True)}"]
    if is_derived(name):
        argv += ["--label", f"{NAME_LABEL}={name}"]
    return [*argv, "--", podman_name(name)]


def _hidden(net: Mapping[str, Any]) -> dict[str, Any]:
    raw = (net.get("labels") or {}).get(HIDDEN_LABEL)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _range_cidr(lease: Mapping[str, Any]) -> str | None:
    """podman's lease range (first usable .. last) back to the CIDR it came from."""
    try:
        start = ipaddress.ip_address(lease["start_ip"])
        end = ipaddress.ip_address(lease["end_ip"])
    except (KeyError, ValueError):
        return None
    for prefix in range(0, start.max_prefixlen + 1):
        net = ipaddress.ip_network(f"{start}/{prefix}", strict=False)
        if net.broadcast_address in (end, end + 1) and net.network_address in (start, start - 1):
            return str(net)
    return f"{start}-{end}"


def _ipam(net: Mapping[str, Any], hidden: Mapping[str, Any]) -> dict[str, Any]:
    ranges = list(hidden.get("IPRanges") or [])
    aux = list(hidden.get("AuxAddresses") or [])
    config: list[dict[str, Any]] = []
    for index, subnet in enumerate(net.get("subnets") or []):
        pool: dict[str, Any] = {"Subnet": subnet.get("subnet", "")}
        if subnet.get("gateway"):
            pool["Gateway"] = subnet["gateway"]
        if subnet.get("lease_range"):
            derived = _range_cidr(subnet["lease_range"])
            pool["IPRange"] = ranges.pop(0) if ranges else derived
        if index < len(aux) and aux[index]:
            pool["AuxiliaryAddresses"] = aux[index]
        config.append(pool)
    return {"Driver": "default", "Options": {}, "Config": config}


def _options(net: Mapping[str, Any], hidden: Mapping[str, Any]) -> dict[str, str]:
    if "Options" in hidden and isinstance(hidden["Options"], dict):
        return {str(k): str(v) for k, v in hidden["Options"].items()}
    return {_PODMAN_TO_DOCKER_OPTS.get(k, k): str(v) for k, v in (net.get("options") or {}).items()}


def visible_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (labels or {}).items() if not k.startswith("io.dockershim.")}


def network_to_docker(
    net: Mapping[str, Any], containers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One podman network (inspect/ls JSON) in Docker's NetworkInspect shape."""
    hidden = _hidden(net)
    subnets = net.get("subnets") or []
    has_v4 = any(":" not in s.get("subnet", "") for s in subnets) or not subnets
    return {
        "Name": docker_name(net),
        "Id": net.get("id", ""),
        "Created": net.get("created") or ZERO_TIME,
        "Scope": "local",
        "Driver": net.get("driver", "bridge"),
        "EnableIPv4": has_v4,
        "EnableIPv6": bool(net.get("ipv6_enabled")),
        "IPAM": _ipam(net, hidden),
        "Internal": bool(net.get("internal")),
        "Attachable": bool(hidden.get("Attachable")),
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": dict(containers or {}),
        "Options": _options(net, hidden),
        "Labels": visible_labels(net.get("labels")),
    }


def builtin_network(name: str) -> dict[str, Any]:
    """Docker's `host` and `none` networks."""
    return {
        "Name": name,
        "Id": builtin_id(name),
        "Created": ZERO_TIME,
        "Scope": "local",
        "Driver": "host" if name == "host" else "null",
        "EnableIPv4": False,
        "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": []},
        "Internal": False,
        "Attachable": False,
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": {},
        "Options": {},
        "Labels": {},
    }


def builtin_by_ref(ref: str) -> dict[str, Any] | None:
    """`host`/`none` by name, id or id prefix (dockerd matches ids by prefix)."""
    for name in ("host", "none"):
        if ref == name or (len(ref) >= 3 and builtin_id(name).startswith(ref)):
            return builtin_network(name)
    return None


NETWORK_FILTERS = ("name", "id", "label", "driver", "type", "dangling", "scope")


def _dangling(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise InvalidParameter(f"invalid filter 'dangling={value}'")


def network_matches(net: Mapping[str, Any], filters: Filters, in_use: set[str]) -> bool:
    """dockerd's list filters; `in_use` holds the Docker names of networks with containers."""
    name = str(net.get("Name", ""))
    checks: dict[str, Callable[[str], bool]] = {
        "name": lambda v: v in name,
        "id": lambda v: str(net.get("Id", "")).startswith(v),
        "label": lambda v: label_matches(net.get("Labels"), v),
        "driver": lambda v: net.get("Driver") == v,
        "scope": lambda v: v == "local",
        "type": lambda v: _type_matches(name, v),
        "dangling": lambda v: (name not in in_use and name not in BUILTIN) == _dangling(v),
    }
    for key, values in filters.items():
        check = checks.get(key)
        if check is None:
            raise InvalidParameter(f"invalid filter '{key}'")
        if key == "label":
            if not all(check(v) for v in values):
                return False
        elif not any(check(v) for v in values):
            return False
    return True


def _type_matches(name: str, value: str) -> bool:
    if value not in ("custom", "builtin"):
        raise InvalidParameter(f"invalid filter: 'type'='{value}'")
    return (name in BUILTIN) == (value == "builtin")
