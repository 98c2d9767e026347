"""podman events (`podman events --format json`, podman 4.3) -> Docker event messages.

Docker's shape: `{"Type", "Action", "Actor": {"ID", "Attributes"}, "scope": "local", "time",
"timeNano"}` plus the legacy `status`/`id`/`from` for container and image events.

Handled (podman status -> Docker action):
- container: create, start, kill, stop, restart, pause, unpause, rename, attach, commit,
  died -> die (Attributes.exitCode), remove -> destroy, exec -> exec_start, exec_died ->
  exec_die, exported -> export, health_status -> "health_status: <status>";
  podman-only statuses (init, cleanup, mount, unmount, sync, checkpoint, restore, ...) have no
  Docker counterpart and are dropped.
- image: pull, push, tag, untag, remove -> delete, import, load, save (podman's build is dropped).
- volume: create, remove -> destroy.
- network: connect, disconnect (Actor.ID is the network's ID when known).
Pod and system events are dropped.

`EventFilter` applies Docker's `filters` with dockerd's semantics (daemon/events/filter.go).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dockershim.translate.filters import Filters
from dockershim.translate.internal_pods import is_internal_name
from dockershim.translate.references import familiar

_CONTAINER_ACTIONS = {
    "create": "create",
    "start": "start",
    "kill": "kill",
    "stop": "stop",
    "restart": "restart",
    "pause": "pause",
    "unpause": "unpause",
    "rename": "rename",
    "attach": "attach",
    "commit": "commit",
    "died": "die",
    "remove": "destroy",
    "exec": "exec_start",
    "exec_died": "exec_die",
    "exported": "export",
}
_IMAGE_ACTIONS = {
    "pull": "pull",
    "push": "push",
    "tag": "tag",
    "untag": "untag",
    "remove": "delete",
    "import": "import",
    "load": "load",
    "save": "save",
}
_VOLUME_ACTIONS = {"create": "create", "remove": "destroy"}
_NETWORK_ACTIONS = {"connect": "connect", "disconnect": "disconnect"}

EVENT_FILTERS = (
    "config",
    "container",
    "daemon",
    "event",
    "image",
    "label",
    "network",
    "node",
    "plugin",
    "scope",
    "secret",
    "service",
    "type",
    "volume",
)

_TIME = re.compile(
    r"^(?P<base>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d\d:?\d\d)?$"
)


def parse_time_ns(text: str) -> int:
    """RFC 3339 with nanoseconds (podman's `Time`) -> Unix nanoseconds."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"unreadable event time {text!r}")
    tz = match["tz"] or "Z"
    tz = "+00:00" if tz == "Z" else tz
    seconds = int(datetime.fromisoformat(match["base"] + tz).timestamp())
    frac = (match["frac"] or "0")[:9].ljust(9, "0")
    return seconds * 1_000_000_000 + int(frac)


def _image_name(name: str) -> str:
    out = familiar(name)
    last = out.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in out:
        out += ":latest"
    return out


def _container_event(ev: Mapping[str, Any], action: str) -> tuple[str, dict[str, str]]:
    attrs = {str(k): str(v) for k, v in (ev.get("Attributes") or {}).items()}
    attrs["image"] = _image_name(str(ev.get("Image", ""))) if ev.get("Image") else ""
    attrs["name"] = str(ev.get("Name", ""))
    if action == "die":
        attrs["exitCode"] = str(ev.get("ContainerExitCode", 0))
    return str(ev.get("ID", "")), attrs


def docker_event(
    ev: Mapping[str, Any],
    network_ids: Mapping[str, str] | None = None,
    network_names: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """One podman event as Docker's message, or None when Docker has no such event;
    `network_names` maps podman network names to Docker's where they differ."""
    kind = ev.get("Type")
    status = str(ev.get("Status", ""))
    if kind in ("container", "network") and is_internal_name(str(ev.get("Name", ""))):
        return None  # this service's own pods (translate/internal_pods.py)
    actor_id: str
    attrs: dict[str, str]
    if kind == "container":
        if status == "health_status":
            action = f"health_status: {ev.get('HealthStatus') or 'unknown'}"
        elif status in _CONTAINER_ACTIONS:
            action = _CONTAINER_ACTIONS[status]
        else:
            return None
        actor_id, attrs = _container_event(ev, action)
    elif kind == "image" and status in _IMAGE_ACTIONS:
        action = _IMAGE_ACTIONS[status]
        name = _image_name(str(ev.get("Name", "")))
        raw_id = str(ev.get("ID") or "")
        actor_id = f"sha256:{raw_id}" if raw_id and action != "pull" else name
        attrs = {"name": name}
    elif kind == "volume" and status in _VOLUME_ACTIONS:
        action = _VOLUME_ACTIONS[status]
        actor_id = str(ev.get("Name", ""))
        attrs = {"driver": "local"}
    elif kind == "network" and status in _NETWORK_ACTIONS:
        action = _NETWORK_ACTIONS[status]
        network = str(ev.get("network") or ev.get("Network") or "")
        actor_id = (network_ids or {}).get(network, network)
        name = (network_names or {}).get(network, network)
        attrs = {"container": str(ev.get("ID", "")), "name": name, "type": "bridge"}
    else:
        return None
    time_ns = parse_time_ns(str(ev.get("Time", "")))
    message: dict[str, Any] = {}
    if kind in ("container", "image"):
        message["status"] = action
        message["id"] = actor_id
        if kind == "container":
            message["from"] = attrs.get("image", "")
    message.update(
        {
            "Type": kind,
            "Action": action,
            "Actor": {"ID": actor_id, "Attributes": attrs},
            "scope": "local",
            "time": time_ns // 1_000_000_000,
            "timeNano": time_ns,
        }
    )
    return message


def _strip_tag(ref: str) -> str:
    last_slash = ref.rfind("/")
    colon = ref.rfind(":")
    return ref[:colon] if colon > last_slash else ref


@dataclass(frozen=True)
class EventFilter:
    """Docker's event filters: values of one key OR-ed, keys AND-ed, labels all required."""

    filters: Filters

    def _exact(self, key: str, *sources: str) -> bool:
        wanted = self.filters.get(key)
        return wanted is None or any(s in wanted for s in sources)

    def _fuzzy(self, key: str, *sources: str) -> bool:
        wanted = self.filters.get(key)
        if wanted is None:
            return True
        return any(s and (s == w or s.startswith(w)) for w in wanted for s in sources)

    def _image(self, message: Mapping[str, Any]) -> bool:
        actor = message["Actor"]
        name_attr = "name" if message["Type"] == "image" else "image"
        name = actor["Attributes"].get(name_attr, "")
        return self._exact("image", actor["ID"], name, _strip_tag(actor["ID"]), _strip_tag(name))

    def _labels(self, attrs: Mapping[str, str]) -> bool:
        for wanted in self.filters.get("label", []):
            key, sep, value = wanted.partition("=")
            if key not in attrs or (sep and attrs[key] != value):
                return False
        return True

    def include(self, message: Mapping[str, Any]) -> bool:
        actor = message["Actor"]
        ident, name = actor["ID"], actor["Attributes"].get("name", "")
        action = str(message["Action"])
        event_ok = self._exact("event", action, action.split(":", 1)[0])
        typed = (self._fuzzy(key, ident, name) for key in ("container", "volume", "network"))
        absent = all(
            key not in self.filters
            for key in ("daemon", "plugin", "node", "service", "secret", "config")
        )
        return (
            event_ok
            and self._exact("type", str(message["Type"]))
            and self._exact("scope", "local")
            and absent
            and all(typed)
            and self._image(message)
            and self._labels(actor["Attributes"])
        )
