"""docker cp on podman: stat, read and write paths in a container, export, changes.

All through `podman cp` (running and stopped containers alike; podman resolves paths inside the
container's root, so symlinks in the container never reach the host), except a stat of a
running container's path, read through /proc/PID/root (engine/container_fs.py), other
stats, asked of podman's service child when it runs, and writes through that child:
- read: `podman cp CTR:PATH -`; the stat comes from the first tar entry. podman follows a
  symlink named as the source: its top-level name is reported (`followed`) so the caller can
  rename the entries to the name asked for (what `docker cp -L` gives).
- write: every entry checked on the way (translate/archive.check_entries: nothing that
  escapes the target; 400 and nothing written otherwise) into a file of our own; only a
  checked whole goes to libpod's archive PUT through podman's service child, else to
  `podman cp - CTR:PATH`. Owners as dockerd sets them: the archive's, but with `docker cp
  -a` into a container that has a user, that user's (`_chowns`).
- export: `podman export`; changes: `podman diff --format json`.

A `cp` or `export` child is never signalled part way, also not when its reader has what it
wanted or went away: it has the container's storage mounted (podman/runner.py,
`SpawnedProcess.finish`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import posixpath
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from dockershim.engine.archive_tar import EntryCheck, first_entry
from dockershim.engine.child import Child, output_chunks
from dockershim.engine.container_fs import stat_in_container
from dockershim.engine.containers import Containers
from dockershim.errors import DockerError, InvalidParameter, NotFound, TooLarge
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import PODMAN_FAILED, classify
from dockershim.podman.service_child import PodmanService, ok_json
from dockershim.translate.archive import (
    GO_DIR,
    KIND_DIR,
    Entry,
    ServiceStat,
    docker_changes,
    path_stat,
    service_path_stat,
    service_stat,
)

log = logging.getLogger(__name__)

_DIFF_TIMEOUT = 60.0  # podman walks the container's layer against its image
_CHUNK = 1 << 16
_FILE_CHUNK = 1 << 20
_SERVICE_TIMEOUT = 120.0  # seconds for each step of an upload to podman's service child
_STAT_HEADER = "x-docker-container-path-stat"  # podman's stat, as its service sends it
_OWNER_REFUSED = "error setting ownership of"  # copier's words for an owner it cannot set


def lists_contents(path: str) -> bool:
    """`/` and `DIR/.` archive the directory's contents: there is no entry for the directory."""
    return path.rstrip("/") == "" or path.endswith("/.")


def _cp_error(text: str, code: int, ref: str, path: str) -> DockerError:
    if f'container "{ref}" does not exist' in text:
        return NotFound(f"No such container: {ref}")
    if "could not be found" in text or "no such file or directory" in text:
        return NotFound(f"Could not find the file {path} in container {ref}")
    return classify(_unwrapped(text), code)


def _unwrapped(text: str) -> str:
    """podman's error without its CLI's wrapping ("1 error occurred: * copying to container:
    ..."), as its service reports the same failure."""
    lines = []
    for line in text.splitlines():
        line = line.strip().removeprefix("* ")
        for wrapper in ("copying to container: ", "copying from container: "):
            line = line.removeprefix(wrapper)
        lines.append(line)
    return "\n".join(lines)


async def _child_failed(child: Child, ref: str, path: str) -> DockerError:
    stderr = child.process.stderr
    text = (await stderr.read()).decode("utf-8", "replace") if stderr else ""
    code = await child.wait()
    return _cp_error(text, code, ref, path)


class Source:
    """A running podman child writing a tar stream, with its first entry read and kept."""

    def __init__(self, child: Child, prefix: bytes, entry: Entry | None) -> None:
        self.child = child
        self.prefix = prefix
        self.entry = entry

    async def chunks(self) -> AsyncIterator[bytes]:
        """The tar stream; CutShort when podman fails part way (engine/child.py)."""
        try:
            if self.prefix:
                yield self.prefix
            async for chunk in output_chunks(self.child, _CHUNK):
                yield chunk
        finally:
            self.child.finish_soon()

    async def close(self) -> None:
        """Let podman end on its own, the rest read and dropped (never a signal part way:
        `SpawnedProcess.finish` says why)."""
        await asyncio.shield(self.child.finish_soon())


def _stat_for(path: str, entry: Entry | None) -> tuple[dict[str, object], str | None]:
    """The path's stat, and the top-level name podman used when it differs (a followed link)."""
    if lists_contents(path) or entry is None:
        mtime = entry.mtime if entry else 0.0
        stat = path_stat(path, Entry(".", KIND_DIR, 0o755, 0, mtime))
        stat["mode"] = GO_DIR | 0o755
        return stat, None
    wanted = posixpath.basename(posixpath.normpath(path))
    top = entry.name.rstrip("/").split("/", 1)[0]
    return path_stat(path, entry), (top if top != wanted else None)


@dataclass
class Reading:
    """A path being read: the tar stream, the path's stat, the top-level name podman used
    when it followed a link (None otherwise), and for `DIR/.` the directory's own entry."""

    source: Source
    stat: dict[str, object]
    followed: str | None
    own: Entry | None


@dataclass(frozen=True)
class WriteOptions:
    copy_uid_gid: bool  # Docker's copyUIDGID (`docker cp -a`): the container user's owner
    overwrite: bool  # a directory may replace a non-directory and the other way round


class Archives:
    def __init__(
        self, podman: PodmanRunner, containers: Containers, service: PodmanService
    ) -> None:
        self.podman = podman
        self.containers = containers
        self.service = service

    async def _open(self, ref: str, path: str) -> Source:
        child = await self.podman.spawn(["cp", "--", f"{ref}:{path}", "-"])
        try:
            stdout = child.process.stdout
            assert stdout is not None
            buffer = b""
            while True:
                chunk = await stdout.read(_CHUNK)
                buffer += chunk
                entry = first_entry(buffer, eof=not chunk)
                if entry is not None or not chunk:
                    break
            if entry is None:
                code = await child.wait()
                if code != 0 or not lists_contents(path):
                    raise await _child_failed(child, ref, path)
            return Source(child, buffer, entry)
        except BaseException:
            await asyncio.shield(child.finish_soon())
            raise

    async def _first(self, ref: str, path: str) -> Entry | None:
        source = await self._open(ref, path)
        await source.close()
        return source.entry

    async def _dir_entry(self, ref: str, path: str) -> Entry | None:
        """For `DIR/.`: the directory's own entry (podman's archive of `DIR/.` has none)."""
        if not path.endswith("/.") or path.rstrip("/.") == "":
            return None
        entry = await self._first(ref, path[:-2])
        return entry if entry is not None and entry.kind == KIND_DIR else None

    async def _fast_stat(self, ref: str, path: str, follow: bool) -> dict[str, object] | None:
        """lstat (stat with `follow`) through /proc/PID/root of a running container, or None."""
        data = await self.containers.inspect(ref)
        state = data.get("State") or {}
        pid = int(state.get("Pid") or 0)
        if not state.get("Running") or pid <= 0:
            return None
        try:
            found = await asyncio.to_thread(stat_in_container, pid, path, follow=follow)
        except FileNotFoundError:
            raise NotFound(f"Could not find the file {path} in container {ref}") from None
        if found is None:
            return None
        entry, link_target = found
        return path_stat(path, entry, link_target)

    async def _service_stat(self, ref: str, path: str) -> ServiceStat | None:
        """podman's own stat of `path` through its service child (a link's own, with whether
        its target is a directory), where a `podman cp` would archive all of `path` to show
        its first entry; None without the child (then started for the next time) or when it
        could not answer (the CLI then says why)."""
        if not self.service.ready_else_want():
            return None
        found = await self.containers.lookup(ref)
        answer = await self.service.call(
            "HEAD", f"/containers/{found.id}/archive", {"path": path}, timeout=_SERVICE_TIMEOUT
        )
        if answer is None:
            return None
        if answer.status == 404:
            raise NotFound(f"Could not find the file {path} in container {ref}")
        return service_stat(answer.headers.get(_STAT_HEADER, "")) if answer.status == 200 else None

    async def _is_dir(self, ref: str, path: str) -> bool:
        """Whether `path`, symlinks followed, is a directory: through /proc of a running
        container, else podman's own stat in its service child, else `podman cp`'s archive."""
        stat = await self._fast_stat(ref, path, True)
        if stat is None:
            target = await self._service_stat(ref, path)
            if target is not None:
                return target.is_dir
            stat = await self._podman_stat(ref, path)
        return bool(int(str(stat["mode"])) & GO_DIR)

    async def stat(self, ref: str, path: str) -> dict[str, object]:
        """Docker's stat of `path` (an lstat, a link's target in `linkTarget`); 404 when it
        is not there. Of a container that does not run: podman's own stat in its service
        child where it runs (the same lstat), else the first entry of podman's archive of
        the path (a `podman cp`, which follows a link and archives all of a directory)."""
        fast = await self._fast_stat(ref, path, False)
        if fast is not None:
            return fast
        found = await self._service_stat(ref, path)
        if found is not None:
            return service_path_stat(path, found)
        return await self._podman_stat(ref, path)

    async def _podman_stat(self, ref: str, path: str) -> dict[str, object]:
        """The stat when neither /proc nor the service child can tell: from podman's archive."""
        own = await self._dir_entry(ref, path)
        if own is not None:
            return path_stat(path, own)
        return _stat_for(path, await self._first(ref, path))[0]

    async def read(self, ref: str, path: str) -> Reading:
        own = await self._dir_entry(ref, path)
        source = await self._open(ref, path)
        stat, followed = _stat_for(path, source.entry)
        if own is not None:
            stat = path_stat(path, own)
        return Reading(source, stat, followed, own)

    async def write(
        self,
        ref: str,
        path: str,
        body: AsyncIterator[bytes],
        options: WriteOptions,
        limit: int,
    ) -> None:
        """Extract the tar archive `body` into the directory `path`, each entry checked on the
        way (EntryCheck), within `limit` bytes; nothing is written unless every entry passes.

        The upload is checked into a file of our own first; only then does podman see it:
        libpod's archive PUT through podman's service child (~40 ms less than a process),
        else `podman cp -`. podman extracts as it reads, so only a checked whole may reach
        it; and a `podman cp` stopped part way would leave its mount of the container behind.
        Both temporary copies go to a folder of our own, removed afterwards (podman 4.3
        leaves its copy in /var/tmp)."""
        if not await self._is_dir(ref, path):
            raise InvalidParameter("extraction point is not a directory")
        chown = await self._chowns(ref, options)
        workdir = tempfile.mkdtemp(prefix="dockershim-cp-")
        try:
            checked = os.path.join(workdir, "upload.tar")
            await _spool_checked(body, checked, path, limit)
            try:
                await self._put(ref, path, checked, chown, options.overwrite, workdir)
            except DockerError as exc:
                if chown or _OWNER_REFUSED not in exc.message:
                    raise
                # an owner the container's user namespace cannot map (a host uid beyond
                # the subordinate range): podman stopped part way; all of it again, owned
                # by the container's user (what a rootful dockerd would not have to do)
                log.info("cp into %s: %s; copied again as the container's user", ref, exc.message)
                await self._put(ref, path, checked, True, options.overwrite, workdir)
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)

    async def _chowns(self, ref: str, options: WriteOptions) -> bool:
        """Whether podman gives every entry the container user's owner, as dockerd does:
        with copyUIDGID (`docker cp -a`) into a container whose config names a user. Else
        the archive's owners are kept: dockerd's behaviour since 17.06 (moby#34096, whatever
        its CLI's help says), also for `-a` into a container without a user."""
        if not options.copy_uid_gid:
            return False
        raw = await self.containers.inspect(ref)
        return bool((raw.get("Config") or {}).get("User"))

    async def _put(
        self, ref: str, path: str, checked: str, chown: bool, overwrite: bool, workdir: str
    ) -> None:
        if self.service.ready and await self._write_through_service(
            ref, path, checked, chown, overwrite
        ):
            return
        self.service.want()  # for the uploads after this one, as after a change
        await self._write_through_cli(ref, path, checked, chown, overwrite, workdir)

    async def _write_through_service(
        self, ref: str, path: str, checked: str, chown: bool, overwrite: bool
    ) -> bool:
        """libpod's PUT of the checked archive (`copyUIDGID` is podman's chown to the
        container's user; a directory never replaces a non-directory unless `overwrite`);
        False when the child could not take it."""
        found = await self.containers.lookup(ref)
        params = {
            "path": path,
            "copyUIDGID": "true" if chown else "false",
            "noOverwriteDirNonDir": "false" if overwrite else "true",
        }
        answer = await self.service.call(
            "PUT",
            f"/containers/{found.id}/archive",
            params,
            content=_file_chunks(checked),
            timeout=_SERVICE_TIMEOUT,
        )
        if answer is None:
            return False
        if answer.status != 200:
            raise _cp_error(f"Error: {answer.message}", PODMAN_FAILED, ref, path)
        return True

    async def _write_through_cli(
        self, ref: str, path: str, checked: str, chown: bool, overwrite: bool, workdir: str
    ) -> None:
        """`podman cp - CTR:PATH` fed the checked archive (its `--archive`, on by default, is
        the chown). Its stdin ends only after the whole archive (podman extracts whatever
        came before the end)."""
        argv = ["cp"]
        if not chown:
            argv.append("--archive=false")
        if overwrite:
            argv.append("--overwrite")
        child = await self.podman.spawn(
            [*argv, "--", "-", f"{ref}:{path}"], stdin=True, env={"TMPDIR": workdir}
        )
        stdin, stdout, stderr = child.process.stdin, child.process.stdout, child.process.stderr
        assert stdin is not None and stdout is not None and stderr is not None
        readers = [asyncio.ensure_future(stream.read()) for stream in (stdout, stderr)]
        try:
            try:
                async for chunk in _file_chunks(checked):
                    stdin.write(chunk)
                    await stdin.drain()
                stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass  # podman gave up: its error says why
            code = await child.wait()
            err = (await asyncio.gather(*readers))[1]
        finally:
            for task in readers:
                task.cancel()
            await child.close()
        if code != 0:
            raise _cp_error(err.decode("utf-8", "replace"), code, ref, path)

    async def export(self, ref: str) -> Source:
        """`podman export`: the container's file system as a tar stream."""
        await self.containers.inspect(ref)
        return Source(await self.podman.spawn(["export", "--", ref]), b"", None)

    async def changes(self, ref: str) -> list[dict[str, Any]]:
        """Docker's list of changed paths: podman's service child's (libpod's changes are
        the same GetDiff of the whole layer chain as `podman diff`) when it runs, else
        `podman diff` (and the child started for the next time)."""
        raw = await self.containers.inspect(ref)
        if self.service.ready_else_want():
            path = f"/containers/{raw['Id']}/changes"  # a full id: nothing to escape
            answer = await self.service.call("GET", path, timeout=_DIFF_TIMEOUT)
            listed = ok_json(answer)
            if isinstance(listed, list) and all(isinstance(c, dict) for c in listed):
                kinds = {0: "changed", 1: "added", 2: "deleted"}
                diff: dict[str, list[str]] = {}
                for change in listed:
                    diff.setdefault(kinds.get(change.get("Kind"), ""), []).append(
                        str(change.get("Path"))
                    )
                if "" not in diff:  # every kind one podman's CLI prints
                    return docker_changes(diff)
        result = await self.podman.run(["diff", "--format", "json", "--", ref])
        try:
            diff = json.loads(result.stdout or b"{}")
        except json.JSONDecodeError as exc:
            raise DockerError(f"podman diff returned unreadable output: {exc}") from None
        return docker_changes(diff if isinstance(diff, dict) else {})


async def _spool_checked(body: AsyncIterator[bytes], spool: str, dest: str, limit: int) -> None:
    """Write `body` to the file `spool` while EntryCheck reads it; raises (the file then
    never reaches podman) when a check fails or it grows past `limit`."""
    check = EntryCheck(dest)
    written = 0
    try:
        with open(spool, "wb") as out:
            async for chunk in body:
                written += len(chunk)
                if written > limit:
                    raise TooLarge("the uploaded archive is larger than the free disk space allows")
                await check.feed(chunk)
                out.write(chunk)  # into the page cache: as quick as the copy it replaces
        await check.verdict()
    finally:
        await check.abandon()


async def _file_chunks(path: str) -> AsyncIterator[bytes]:
    with open(path, "rb") as f:
        while chunk := await asyncio.to_thread(f.read, _FILE_CHUNK):
            yield chunk
