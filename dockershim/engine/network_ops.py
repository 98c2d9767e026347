"""Docker's networks on podman: resolve, endpoints, create, remove, connect, disconnect,
prune, and the link and network-id facts container routes need.

Docker's view of podman's networks (translate/networks.py): `podman` is `bridge`, `host` and
`none` are synthesized. Endpoints are the running containers', as dockerd only has endpoints
for running containers. podman's failures are answered in dockerd's words here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from dockershim.engine.container_notes import Notes
from dockershim.engine.containers import Containers
from dockershim.engine.dns_watch import DnsWatch
from dockershim.engine.netns_hold import NetnsHold
from dockershim.engine.networks import Networks
from dockershim.errors import Conflict, DockerError, Forbidden, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.service_child import PodmanService
from dockershim.translate import network_endpoints as te
from dockershim.translate import network_names as nn
from dockershim.translate import networks as tn
from dockershim.translate.container_notes import connect_fields
from dockershim.translate.internal_pods import is_internal_name
from dockershim.translate.links import LinkFacts, link_env

_RM_TIMEOUT = 60.0  # seconds podman may take to remove a network (its bridge, its DNS)
_CHANGE_TIMEOUT = 60.0  # a connect or disconnect: netavark sets up or tears down an interface

_HOST_OR_NONE = "container cannot be disconnected from host network or connected to {} network"


class NetworkOps:
    def __init__(
        self,
        podman: PodmanRunner,
        networks: Networks,
        containers: Containers,
        dns: DnsWatch,
        notes: Notes | None = None,
        *,
        netns_hold: NetnsHold,
        service: PodmanService | None = None,
    ) -> None:
        self.podman = podman
        self.networks = networks
        self.containers = containers
        self.dns = dns
        self.notes = notes or Notes(None, containers)
        self.netns_hold = netns_hold
        self.service = service  # removals, connects through podman's service child when it runs

    async def resolve(self, ref: str) -> dict[str, Any]:
        """A network reference (name, id, id prefix) in Docker's shape, without Containers."""
        builtin = tn.builtin_by_ref(ref)
        if builtin is not None:
            return builtin
        return tn.network_to_docker(await self._podman_network(ref))

    async def _podman_network(self, ref: str) -> dict[str, Any]:
        tn.validate_ref(ref)
        net = await self.networks.find(ref)
        if net is None:
            raise NotFound(f"network {ref} not found")
        return net

    async def listing(self) -> list[dict[str, Any]]:
        """Every network in Docker's shape, host and none included."""
        nets = [tn.network_to_docker(n) for n in await self.networks.listing()]
        return [*nets, tn.builtin_network("host"), tn.builtin_network("none")]

    async def in_use(self, *, running_only: bool = True) -> set[str]:
        """Docker names of networks some (running) container is attached to."""
        attached = await self.containers.on_networks(running_only=running_only)
        names = await self.networks.names()
        return {names.get(n, n) for _, nets in attached for n in nets}

    async def endpoints(self, net: dict[str, Any]) -> dict[str, Any]:
        name = tn.to_podman_name(net["Name"])
        attached = await self.containers.on_networks(running_only=True)
        ids = [c.id for c, nets in attached if name in nets and not is_internal_name(c.name)]
        if not ids:
            return {}
        return te.endpoints(net, await self.containers.inspect_many(ids))

    async def create(self, body: Mapping[str, Any]) -> str:
        """`podman network create` of Docker's `NetworkCreate` body (translate/networks.py);
        the new id."""
        argv = tn.create_argv(body)  # refuses a body without a name before it is read here
        name = str(body["Name"])
        try:
            await self.podman.run(argv)
        except Conflict:
            raise Conflict(f"network with name {name} already exists") from None
        except DockerError as exc:
            if "already used" in exc.message:
                raise Forbidden(
                    f"Pool overlaps with other one on this address space: {exc.message}"
                ) from None
            raise
        return str((await self._podman_network(name))["id"])

    async def remove(self, net: dict[str, Any]) -> None:
        """Remove a network as dockerd does: refused while a running container uses it;
        stopped containers are disconnected first (dockerd keeps no endpoints for them)."""
        if net["Name"] in tn.BUILTIN:
            raise Forbidden(f"{net['Name']} is a pre-defined network and cannot be removed")
        podman_name = tn.to_podman_name(net["Name"])
        attached = [
            c for c, nets in await self.containers.on_networks(running_only=False)
            if podman_name in nets
        ]  # fmt: skip
        if any(c.status == "running" for c in attached):
            raise Forbidden(
                f"error while removing network: network {net['Name']} id {net['Id']} "
                "has active endpoints"
            )
        for found in attached:
            with contextlib.suppress(DockerError):  # gone meanwhile: nothing to disconnect
                await self._disconnect(podman_name, found.id, force=True)
            await self.notes.disconnected(found.id, net["Name"])
        await self._rm(podman_name)

    async def _rm(self, podman_name: str) -> None:
        """`podman network rm`, through podman's service child when it runs (no process)."""
        path = f"/networks/{podman_name}"  # a podman name: nothing to escape (nn.PODMAN_NAME)
        if self.service is None or not await self.service.change(
            "DELETE", path, (200,), timeout=_RM_TIMEOUT
        ):
            await self.podman.run(["network", "rm", "--", podman_name])

    async def connect(self, net: dict[str, Any], body: dict[str, Any]) -> None:
        if net["Name"] in ("host", "none"):
            raise Forbidden(_HOST_OR_NONE.format(net["Name"]))
        wanted = te.network_connect(net["Name"], body)  # (a config not an object: refused)
        config = body.get("EndpointConfig") or {}
        fields = connect_fields(config)  # shown back in inspect, as dockerd keeps them
        for link in config.get("Links") or []:
            await self._require_container(str(link).split(":", 1)[0])
        try:
            await self._connect(wanted)
        except DockerError as exc:
            if "is already connected" in exc.message:
                raise Forbidden(
                    f"endpoint with name {body['Container']} already exists in network "
                    f"{net['Name']}"
                ) from None
            if "invalid network mode" in exc.message:
                raise InvalidParameter(
                    f"container {body['Container']} does not use a bridge network "
                    f"({exc.message}); only containers on bridge networks can be connected to "
                    "more networks"
                ) from None
            raise
        self.dns.started(str(body["Container"]))  # netavark set a network up (dns_watch.py)
        await self._note(str(body["Container"]), net["Name"], fields)

    async def _connect(self, wanted: te.NetworkConnect) -> None:
        """`podman network connect`, through podman's service child when it runs (libpod's
        connect makes the same ConnectContainerToNetwork call): no process."""
        spec = wanted.spec()
        path = f"/networks/{wanted.network}/connect"  # a podman name: nothing to escape
        if (
            spec is None
            or self.service is None
            or not await self.service.change(
                "POST", path, (200,), body=spec, timeout=_CHANGE_TIMEOUT, repeatable=False
            )
        ):
            await self.podman.run(wanted.argv())

    async def _disconnect(self, podman_name: str, container: str, *, force: bool) -> None:
        """`podman network disconnect`, through podman's service child when it runs (its
        disconnect makes the same DisconnectContainerFromNetwork call)."""
        path = f"/networks/{podman_name}/disconnect"  # a podman name: nothing to escape
        body = {"Container": container, "Force": force}
        if self.service is None or not await self.service.change(
            "POST", path, (200,), body=body, timeout=_CHANGE_TIMEOUT
        ):
            argv = ["network", "disconnect"] + (["--force"] if force else [])
            await self.podman.run([*argv, "--", podman_name, container])

    async def _require_container(self, ref: str) -> None:
        if not ref or ref.startswith("-"):
            raise InvalidParameter(f"invalid link {ref!r}")
        try:
            await self.containers.lookup(ref.lstrip("/"))
        except NotFound:
            raise NotFound(f"Could not get container for {ref}") from None

    async def disconnect(self, net: dict[str, Any], container: str, *, force: bool) -> None:
        if net["Name"] in ("host", "none"):
            raise Forbidden(_HOST_OR_NONE.format(net["Name"]))
        try:
            async with self.netns_hold.around_disconnect(container):
                await self._disconnect(tn.to_podman_name(net["Name"]), container, force=force)
        except DockerError as exc:
            if "is not connected" in exc.message:
                raise Forbidden(
                    f"container {container} is not connected to network {net['Name']}"
                ) from None
            raise
        await self._note(container, net["Name"], None)

    async def _note(self, ref: str, network: str, fields: dict[str, Any] | None) -> None:
        """Keep (or drop, `fields` None) what inspect shows of this endpoint (container_notes)."""
        try:
            found = await self.containers.lookup(ref)
        except NotFound:
            return  # removed meanwhile: nothing to show
        if fields is None:
            await self.notes.disconnected(found.id, network)
        else:
            await self.notes.connected(found.id, network, fields)

    async def prune(self, chosen: Callable[[dict[str, Any]], bool]) -> list[str]:
        """Remove the unused user networks `chosen` selects; their names."""
        running = await self.in_use()
        deleted: list[str] = []
        for raw in await self.networks.listing():
            net = tn.network_to_docker(raw)
            if net["Name"] in tn.BUILTIN or net["Name"] in running or not chosen(net):
                continue
            try:
                await self.remove(net)
            except DockerError:
                continue  # became busy meanwhile: dockerd skips it too
            deleted.append(net["Name"])
        return deleted

    async def link_facts(
        self, links: list[str], networks: list[str], parent: str | None = None
    ) -> LinkFacts:
        """What HostConfig.Links need of their targets (translate/links.py): addresses and
        the variables dockerd sets. A missing target is 404 as on dockerd; a target that is
        not running has no addresses."""
        addresses: dict[str, list[str]] = {}
        env: list[str] = []
        for target, alias in [te.parse_link(link) for link in links]:
            try:
                data = await self.containers.inspect(target)
            except NotFound:
                raise NotFound(f"could not get container for {target}") from None
            addresses[target] = te.preferred_addresses(data, networks)
            ip = addresses[target][0] if addresses[target] else ""
            env += link_env(parent, alias, data, ip)
        return LinkFacts(links, networks, addresses, env)

    async def fill_ids(self, bodies: list[dict[str, Any]]) -> None:
        """NetworkSettings.Networks[*].NetworkID as the network's id (podman puts the name
        there; Compose v2 compares it with the network's id and recreates containers when it
        differs), and Networks keyed by Docker names (podman keys them by its own)."""
        settings = [
            s
            for body in bodies
            for s in ((body.get("NetworkSettings") or {}).get("Networks") or {}).values()
            if isinstance(s, dict)
        ]
        if not settings:
            return
        nets = await self.networks.listing()
        ids = {n["name"]: n["id"] for n in nets}
        ids.update({nn.docker_name(n): n["id"] for n in nets})
        for entry in settings:
            current = str(entry.get("NetworkID") or "")
            entry["NetworkID"] = ids.get(current, current)
        names = nn.names_of(nets)
        for body in bodies:
            settings_of = body.get("NetworkSettings") or {}
            if isinstance(settings_of.get("Networks"), dict):
                settings_of["Networks"] = nn.rename_endpoints(settings_of["Networks"], names)
