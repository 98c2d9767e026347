"""The engine: every question dockershim asks podman, answered from podman's state where it can.

Routes ask the engine (`Engine.containers`, `Engine.images`); the engine reads podman's own
state files (podman/libpod_state.py, containers/storage's lock tokens) and starts a podman
process only when the state says something changed, or when the state cannot be read (then it
falls back to the CLI and says so once in the log and in `dockershim doctor`).
"""

from __future__ import annotations

import asyncio
import json
import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from dockershim.engine.batches import Batches
from dockershim.engine.changes import Changes
from dockershim.engine.container_notes import Notes
from dockershim.engine.containers import ContainerRef, Containers
from dockershim.engine.dns_watch import DnsWatch
from dockershim.engine.image_ops import ImageOps
from dockershim.engine.images import Images
from dockershim.engine.netns_hold import NetnsHold
from dockershim.engine.network_ops import NetworkOps
from dockershim.engine.networks import Networks
from dockershim.engine.volumes import Volumes
from dockershim.podman import PodmanRunner
from dockershim.podman.facts import Learned, stamp, static_facts, watched_paths
from dockershim.podman.netns_holder import shares_rootless_netns
from dockershim.podman.service_child import PodmanService
from dockershim.podman.statedb import database_path

if TYPE_CHECKING:  # made on first use: see Engine
    from dockershim.engine.archive import Archives
    from dockershim.engine.attach import AttachOps
    from dockershim.engine.builds import Builds
    from dockershim.engine.creates import Creates
    from dockershim.engine.disk_usage import DiskUsage
    from dockershim.engine.events import Events
    from dockershim.engine.execs import Execs
    from dockershim.engine.image_archives import ImageArchives
    from dockershim.engine.lifecycle import Lifecycle
    from dockershim.engine.logs import Logs
    from dockershim.engine.registries import Registries
    from dockershim.engine.registry_http import RegistryAPI
    from dockershim.engine.starts import StartWatchers
    from dockershim.engine.stats import Stats
    from dockershim.engine.top import Top
    from dockershim.engine.transfer import Transfer
    from dockershim.engine.updates import Updates
    from dockershim.podman.containers_conf import ContainersConf

__all__ = ["ContainerRef", "Containers", "Engine", "Images", "Networks", "Volumes"]


class Engine:
    def __init__(
        self,
        podman: PodmanRunner,
        learned: Learned,
        state_dir: str | None,
        service: PodmanService | None = None,
        hold_ahead: asyncio.Future[str | None] | None = None,
    ) -> None:
        self.podman = podman
        self._learned = learned
        self._state_dir = state_dir
        # `service`: the child api/lazyapp.py began starting while this engine was built
        self.service = service or PodmanService.of(podman, state_dir)
        self.containers = Containers(podman, self._database, state_dir, self.service)
        self.images = Images(podman, self._store, state_dir, self.service)
        self.networks = Networks(podman, self._network_folder, state_dir, self._config_stamp)
        self.volumes = Volumes(podman, self.containers.snapshot, self.service)
        self.batches = Batches(podman)
        self.changes = Changes(self.batches, self.service)
        self.dns = DnsWatch(podman, self._aardvark_folder, self.containers.snapshot)
        # podman 4's rootless network namespace, held while the service runs
        # (`hold_ahead`: its keeper pod, which api/lazyapp.py began while this was built)
        self.netns_hold = NetnsHold(
            podman, self.containers, self._shared_rootless_netns, self.service, hold_ahead
        )
        self.image_ops = ImageOps(podman, self.images, self.containers)
        self.notes = Notes(state_dir, self.containers)  # links removed, endpoints at connect
        self.network_ops = NetworkOps(
            podman,
            self.networks,
            self.containers,
            self.dns,
            notes=self.notes,
            netns_hold=self.netns_hold,
            service=self.service,
        )

    # The parts of changes and streams are made on first use: their imports (~20 ms here)
    # stay off a cold service's first read, which needs only the parts above (api/lazyapp.py).

    @cached_property
    def starts(self) -> StartWatchers:
        from dockershim.engine.starts import StartWatchers

        return StartWatchers(self.dns, self.netns_hold, ahead=[self.netns_hold])

    @cached_property
    def attach(self) -> AttachOps:
        from dockershim.engine.attach import AttachOps

        return AttachOps(self.podman, self.containers, self.starts, self.changes)

    @cached_property
    def lifecycle(self) -> Lifecycle:
        from dockershim.engine.lifecycle import Lifecycle
        from dockershim.engine.seccomp_files import ProfileFiles

        return Lifecycle(
            self.podman,
            self.containers,
            self.changes,
            self.dns,
            self.starts,
            ProfileFiles(self._state_dir),
            self.containers_conf,
            removable_at_exit=self.attach.removable_at_exit,
        )

    @cached_property
    def creates(self) -> Creates:
        from dockershim.engine.creates import Creates

        return Creates(self.images, self.network_ops, self.lifecycle, self._cgroup_v2)

    @cached_property
    def disk_usage(self) -> DiskUsage:
        from dockershim.engine.disk_usage import DiskUsage

        return DiskUsage(self.containers, self.images, self.volumes)

    @cached_property
    def registries(self) -> Registries:
        from dockershim.engine.registries import Registries

        return Registries()

    @cached_property
    def registry_api(self) -> RegistryAPI:
        from dockershim.engine.registry_http import RegistryAPI

        return RegistryAPI(self.registries)

    @cached_property
    def updates(self) -> Updates:
        from dockershim.engine.updates import Updates

        return Updates(self.podman, self._learned, self._state_dir)

    # the streaming conversations (logs, events, exec, cp, build, pull/push, load/save)

    @cached_property
    def logs(self) -> Logs:
        from dockershim.engine.logs import Logs

        return Logs(self.podman, self.containers)

    @cached_property
    def top(self) -> Top:
        from dockershim.engine.top import Top

        return Top(self.podman, self.containers, self.service)

    @cached_property
    def stats(self) -> Stats:
        from dockershim.engine.stats import Stats

        return Stats(self.containers)

    @cached_property
    def events(self) -> Events:
        from dockershim.engine.events import Events

        return Events(self.podman, self.networks, self._event_log)

    @cached_property
    def execs(self) -> Execs:
        from dockershim.engine.execs import Execs

        return Execs(self.podman, self.containers, self._database)

    @cached_property
    def transfer(self) -> Transfer:
        from dockershim.engine.transfer import Transfer

        return Transfer(self.podman, self.images, self.registry_api)

    @cached_property
    def image_archives(self) -> ImageArchives:
        from dockershim.engine.image_archives import ImageArchives

        return ImageArchives(self.podman)

    @cached_property
    def builds(self) -> Builds:
        from dockershim.engine.build_network import BuildNetworks
        from dockershim.engine.builds import Builds

        return Builds(
            self.podman, self.images, BuildNetworks(self.podman, self.networks.find, self.dns)
        )

    @cached_property
    def archives(self) -> Archives:
        from dockershim.engine.archive import Archives

        return Archives(self.podman, self.containers, self.service)

    async def _database(self) -> str | None:
        return await database_path(self.podman, self._learned, self._state_dir)

    async def _cgroup_v2(self) -> bool:
        """Whether podman runs on cgroup v2 (the podman facts: no process once known)."""
        _, info = await static_facts(self.podman, self._learned, self._state_dir)
        return str((info.get("host") or {}).get("cgroupVersion", "v1")) == "v2"

    async def _event_log(self) -> str | None:
        """The file podman writes its events to, when its logger is the `file` one (podman
        info), else None (journald: ask podman)."""
        _, info = await static_facts(self.podman, self._learned, self._state_dir)
        if str((info.get("host") or {}).get("eventLogger") or "") != "file":
            return None
        return self.containers_conf.events_log_path()

    @cached_property
    def containers_conf(self) -> ContainersConf:
        """The user's containers.conf settings (creates, the event log), one reader."""
        from dockershim.podman.containers_conf import ContainersConf

        return ContainersConf(self.podman.env)

    async def _shared_rootless_netns(self) -> bool:
        """Rootless podman before 5: bridge networks share one namespace that a disconnect
        can take down (engine/netns_hold.py)."""
        version, info = await static_facts(self.podman, self._learned, self._state_dir)
        return shares_rootless_netns(version, info)

    async def _store_info(self) -> dict[str, Any]:
        """podman info's `store` (graph root, run root, driver), from the facts' one owner."""
        _, info = await static_facts(self.podman, self._learned, self._state_dir)
        store = info.get("store") or {}
        netavark = str((info.get("host") or {}).get("networkBackend") or "") == "netavark"
        return {**store, "netavark": netavark}

    async def _store(self) -> tuple[str, str]:
        store = await self._store_info()
        return str(store.get("graphRoot") or ""), str(store.get("graphDriverName") or "")

    async def _netavark_path(self, root_key: str, *parts: str) -> str:
        """A netavark folder under the store's `root_key`; "" for CNI or an unknown root."""
        store = await self._store_info()
        root = str(store.get(root_key) or "")
        return os.path.join(root, *parts) if store["netavark"] and root else ""

    async def _network_folder(self) -> str:
        """netavark's config folder (rootless: under the graph root)."""
        return await self._netavark_path("graphRoot", "networks")

    async def _config_stamp(self) -> str:
        """podman's configuration as it is now (podman/facts.py's stamp of what podman's facts
        come from: binaries, configuration files, environment)."""
        _, info = await static_facts(self.podman, self._learned, self._state_dir)
        paths = watched_paths(self.podman, info)
        return json.dumps(await asyncio.to_thread(stamp, paths))

    async def _aardvark_folder(self) -> str:
        """Where netavark keeps aardvark-dns's entries (rootless: under the run root)."""
        return await self._netavark_path("runRoot", "networks", "aardvark-dns")

    async def close(self) -> None:
        """The service ends: what it holds in podman goes (containers stay, as conmon keeps
        them; the service child dies with this process)."""
        if "execs" in self.__dict__:  # made (cached_property keeps it there)
            await self.execs.close()
        if "registry_api" in self.__dict__:
            await self.registry_api.close()
        await self.images.close()
        await self.netns_hold.close()

    def fallbacks(self) -> list[str]:
        """Why some reads still go to the podman CLI (for `dockershim doctor`)."""
        return [r for r in (self.containers.fallback,) if r]
