"""--volume, --mount, --tmpfs and --volumes-from of a create argv as the specgen mounts, named
volumes and volume sources podman 4.3's CLI makes of them (translate/specgen.py carries the
rest of the argv)."""

from __future__ import annotations

from typing import Any

from dockershim.translate.mount_modes import PROPAGATION, clean_path


class SpecgenStorage:
    """--volume, --mount and --tmpfs as podman 4.3's CLI turns them into specgen mounts (OCI
    mounts: binds, tmpfs) and named volumes (pkg/specgen/volumes.go GenVolumeMounts,
    pkg/specgenutil/volumes.go Mounts and getTmpfsMounts). What the CLI would resolve against
    its own working directory (`./` sources), answer with an error (two mounts on one
    destination, a relative destination) or read as more than the shapes
    translate/container_hostconfig.py writes is not carried over."""

    def __init__(self) -> None:
        self.mounts: list[dict[str, Any]] = []
        self.volumes: list[dict[str, Any]] = []
        self.volumes_from: list[str] = []  # containers, as `NAME[:ro|rw]`: podman resolves them
        self._destinations: set[str] = set()

    def add(self, flag: str, value: str) -> bool:
        if flag == "--volumes-from":
            name, _, mode = value.partition(":")
            if not name or mode not in ("", "ro", "rw"):
                return False
            self.volumes_from.append(value)
            return True
        if flag == "--volume":
            return self._volume(value)
        if flag == "--tmpfs":
            target, _, opts = value.partition(":")
            if ":" in opts:
                return False
            return self._mount(target, "tmpfs", "tmpfs", opts.split(",") if opts else [])
        return self._mount_flag(value)

    def _volume(self, value: str) -> bool:
        parts = value.split(":")
        if len(parts) > 3 or not all(parts[:2]):
            return False
        options = parts[2].split(",") if len(parts) == 3 else []
        if not all(option in _VOLUME_OPTIONS for option in options):
            return False
        if len(parts) == 1:  # anonymous: podman names it
            return self._named("", parts[0], [])
        source, destination = parts[0], parts[1]
        if source.startswith("/"):
            return self._mount(destination, "bind", source, options, clean=False)
        if source.startswith("."):
            return False
        return self._named(source, destination, options)

    def _mount_flag(self, value: str) -> bool:
        """The --mount shapes mount_flag writes: `type=T` first, then key=value or bare
        options; podman reads them as CSV, so a quote (which CSV would read) is refused."""
        if '"' in value or not value.startswith("type="):
            return False
        kind, *tokens = value.split(",")
        fields: dict[str, str] = {}
        options: list[str] = []
        for token in tokens:
            key, sep, val = token.partition("=")
            if key in ("source", "target"):
                if not sep or key in fields:
                    return False
                fields[key] = val
            elif (key, sep, val) == ("ro", "=", "true"):
                options.append("ro")
            elif key == "bind-propagation" and kind == "type=bind" and val in PROPAGATION:
                options.append(val)
            elif key in ("tmpfs-size", "tmpfs-mode") and kind == "type=tmpfs" and val.isalnum():
                options.append(f"{key[6:]}={val}")
            elif not sep and key in _BARE_MOUNT_OPTIONS.get(kind, ()):
                options.append(key)
            else:
                return False
        target = fields.get("target", "")
        if kind == "type=bind" and fields.get("source", "").startswith("/"):
            return self._mount(target, "bind", fields["source"], options)
        if kind == "type=volume" and target.startswith("/"):
            return self._named(fields.get("source", ""), clean_path(target), options)
        if kind == "type=tmpfs" and "source" not in fields:
            return self._mount(target, "tmpfs", "tmpfs", options)
        return False

    def _mount(
        self, target: str, kind: str, source: str, options: list[str], *, clean: bool = True
    ) -> bool:
        """An OCI mount; --mount and --tmpfs destinations are cleaned by the CLI, --volume's
        are not."""
        if not target.startswith("/") or not self._claim(target):
            return False
        mount: dict[str, Any] = {
            "destination": clean_path(target) if clean else target,
            "type": kind,
            "source": source,
        }
        if options:
            mount["options"] = options
        self.mounts.append(mount)
        return True

    def _named(self, name: str, destination: str, options: list[str]) -> bool:
        if not destination.startswith("/") or not self._claim(destination):
            return False
        volume: dict[str, Any] = {"Name": name, "Dest": destination}
        if options:
            volume["Options"] = options
        self.volumes.append(volume)
        return True

    def _claim(self, destination: str) -> bool:
        """False for a second mount on one destination (the CLI's error, or its silent merge
        of two equal ones, stays the CLI's)."""
        key = clean_path(destination)
        if key in self._destinations:
            return False
        self._destinations.add(key)
        return True


# what mount_modes lets through a Binds mode
_VOLUME_OPTIONS = {"rw", "ro", "z", "Z", "nocopy", *PROPAGATION}
# the bare options mount_flag writes, per type, that podman's --mount parser keeps as they are
_BARE_MOUNT_OPTIONS = {"type=tmpfs": ("noexec", "nosuid", "nodev")}
