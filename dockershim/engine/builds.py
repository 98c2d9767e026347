"""The classic builder on podman: base images made ready for `podman build` (loopback
registries pulled over plain HTTP, short names qualified, ONBUILD triggers read), the build
child with its argv from Docker's query (on a user network through engine/build_network.py),
its failure in dockerd's words, and what a build cut short leaves behind removed."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

from dockershim.engine.build_network import BuildNetworks
from dockershim.engine.child import Child, OutputTail, read_tagged_lines
from dockershim.engine.images import Images
from dockershim.errors import InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.translate import build as tbuild
from dockershim.translate.build import GetList
from dockershim.translate.dockerfile_flags import buildkit_refusal
from dockershim.translate.references import (
    candidates,
    is_loopback_registry,
    looks_like_id,
    parse_reference,
    tls_args,
)


def _local_name(tags: list[str], name: str) -> str | None:
    """The tag podman knows the image by that matches `name`, if any."""
    wanted = candidates(name)
    return next((tag for tag in tags if tag in wanted), None)


class Build:
    """A running `podman build`; `close()` ends it and, when it was cut short, removes the
    working containers it left (podman leaves them, with their processes, on SIGTERM)."""

    def __init__(self, builds: Builds, child: Child, before: set[str]) -> None:
        self._builds = builds
        self.child = child
        self._before = before
        # the last lines of stdout and of stderr, apart: the two pipes are read side by side,
        # so a backlog of stdout could otherwise push stderr's last words out
        self._tails = (OutputTail(), OutputTail())

    async def lines(self) -> AsyncIterator[tuple[bool, str]]:
        """podman's output as it comes: (from stderr, line)."""
        async for is_err, line in read_tagged_lines(self.child):
            self._tails[is_err].keep(line)
            yield is_err, line

    async def wait(self) -> int:
        return await self.child.wait()

    def failure(self) -> tuple[str, int]:
        """dockerd's message and code for the failed build, from podman's last output (its
        `Error:` line is the last on stderr)."""
        out, err = self._tails
        return tbuild.failure(f"{out.text()}\n{err.text()}")

    async def close(self) -> None:
        finished = self.child.process.returncode is not None
        await self.child.close()
        if finished:
            return
        stale = await self._builds.working_containers() - self._before
        if stale:
            argv = ["rm", "--force", "--time", "0", "--", *sorted(stale)]
            await self._builds.podman.run(argv, check=False)


class Builds:
    def __init__(self, podman: PodmanRunner, images: Images, networks: BuildNetworks) -> None:
        self.podman = podman
        self.images = images
        self._networks = networks

    async def fetch_loopback_bases(self, dockerfile: str, authpath: str, always: bool) -> None:
        """Pull base images from loopback registries over plain HTTP first, as dockerd would
        (podman build has no per-registry TLS switch). Failures are left to the build."""
        for base in tbuild.base_images(dockerfile):
            try:
                ref = parse_reference(base)
            except InvalidParameter:
                continue
            if not is_loopback_registry(ref.registry):
                continue
            exists = await self.podman.run(["image", "exists", "--", ref.full()], check=False)
            if exists.returncode == 0 and not always:
                continue
            argv = ["pull", "--quiet", *tls_args(ref.registry), "--authfile", authpath]
            await self.podman.run([*argv, "--", ref.full()], check=False, timeout=600)

    async def qualified_bases(self, dockerfile: str) -> dict[str, str]:
        """Base images named without a registry -> the exact local name, or Docker's fully
        qualified name, so podman never applies its own short-name rules (which may prompt,
        refuse or pick another registry than docker.io)."""
        names: dict[str, str] = {}
        for base in tbuild.base_images(dockerfile):
            try:
                ref = parse_reference(base)
            except InvalidParameter:
                continue
            if base.startswith(ref.registry + "/") or looks_like_id(base):
                continue
            found = await self.images.tagged(base)
            local = _local_name(found[1], base) if found else None
            names[base] = local or ref.full()
        return names

    async def inherited_refusal(
        self, dockerfile: str, names: dict[str, str], authpath: str
    ) -> str | None:
        """dockerd's refusal for an ONBUILD trigger of a base image (`ONBUILD RUN --mount=...`),
        which podman would run in this build. Bases not here yet are pulled first to be read.
        podman's inspect omits a Docker config's OnBuild, so the image history is read
        instead: an ONBUILD anywhere in it counts (stricter than the live trigger list)."""
        for base in tbuild.base_images(dockerfile):
            name = names.get(base, base)
            found = await self.images.tagged(name)
            if found is None:
                try:
                    ref = parse_reference(name)
                except InvalidParameter:
                    continue  # left to podman build to report
                pull = ["pull", "--quiet", *tls_args(ref.registry), "--authfile", authpath]
                await self.podman.run([*pull, "--", ref.full()], check=False, timeout=600)
                found = await self.images.tagged(name)
            if found is None:
                continue
            triggers = await self.images.onbuild_history(found[0])
            refusal = buildkit_refusal("\n".join(triggers))
            if refusal is not None:
                return refusal[2]
        return None

    async def working_containers(self) -> set[str]:
        """The builder's containers (`NAME-working-container[-N]`) there are now."""
        return {
            ident
            for ident, names in await self.images.storage_containers()
            if any(re.search(r"-working-container(?:-\d+)?$", name) for name in names)
        }

    @contextlib.asynccontextmanager
    async def running(
        self, query: GetList, dockerfile: str, iidfile: str, authpath: str, context: str
    ) -> AsyncIterator[Build]:
        """`podman build` of the unpacked `context` as Docker's build `query` asks (the
        rewritten `dockerfile`, the image id into `iidfile`), on the query's user network if it
        names one; ended, and what it left removed, when the block is left."""
        argv = tbuild.build_args(query, dockerfile, iidfile)
        network = tbuild.user_network(tbuild.last_value(query, "networkmode"))
        async with contextlib.AsyncExitStack() as stack:
            if network:  # its steps join the network through a pod, removed after the build
                argv += await stack.enter_async_context(self._networks.joined(network))
            before = await self.working_containers()
            child = await self.podman.spawn([*argv, "--authfile", authpath, "--", context])
            build = Build(self, child, before)
            try:
                yield build
            finally:
                await build.close()
