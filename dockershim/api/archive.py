"""docker cp and friends: HEAD/GET/PUT /containers/{id}/archive, export, changes.

All through `podman cp` (running and stopped containers alike; podman resolves paths inside the
container's root, so symlinks in the container never reach the host):
- HEAD/GET: `podman cp CTR:PATH -`; the stat header is built from the first tar entry. podman
  follows a symlink named as the source: its entries are renamed to the name asked for (the
  result is what `docker cp -L` gives).
- PUT: the body is spooled, every entry checked (translate/archive.check_entries: nothing that
  escapes the target; 400 and nothing written otherwise), then `podman cp - CTR:PATH`
  (`copyUIDGID=1` -> `--archive=false` keeps the archive's owners; otherwise podman chowns to the
  container's user; `noOverwriteDirNonDir=0` -> `--overwrite`).
- export: `podman export`; changes: `podman diff --format json`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import posixpath
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from dockershim.api import diskbudget
from dockershim.api.archive_tar import (
    entries_of,
    first_entry,
    rebase_archive,
)
from dockershim.api.container_fs import stat_in_container
from dockershim.api.containers_support import inspect_container
from dockershim.api.deps import BackendDep
from dockershim.api.queries import Flag, flag
from dockershim.engine.containers import check_ref
from dockershim.errors import DockerError, InvalidParameter, NotFound
from dockershim.podman import PodmanRunner
from dockershim.podman.errors import classify
from dockershim.podman.runner import SpawnedProcess
from dockershim.translate.archive import (
    GO_DIR,
    KIND_DIR,
    Entry,
    check_entries,
    docker_changes,
    encode_stat,
    path_stat,
    rebase_name,
)

router = APIRouter()

_CHUNK = 1 << 16
_SPOOL_MEMORY = 16 << 20
_STAT_HEADER = "X-Docker-Container-Path-Stat"


PathQuery = Annotated[str | None, Query(alias="path", description="a path in the container")]


def _archive_path(path: str | None) -> str:
    if not path:
        raise (
            InvalidParameter("path is required")
            if path is None
            else InvalidParameter("path cannot be empty")
        )
    return path if path.startswith("/") else "/" + path


def _lists_contents(path: str) -> bool:
    """`/` and `DIR/.` archive the directory's contents: there is no entry for the directory."""
    return path.rstrip("/") == "" or path.endswith("/.")


async def _child_failed(child: SpawnedProcess, ref: str, path: str) -> DockerError:
    stderr = child.process.stderr
    text = (await stderr.read()).decode("utf-8", "replace") if stderr else ""
    code = await child.wait()
    return _cp_error(text, code, ref, path)


def _cp_error(text: str, code: int, ref: str, path: str) -> DockerError:
    if f'container "{ref}" does not exist' in text:
        return NotFound(f"No such container: {ref}")
    if "could not be found" in text or "no such file or directory" in text:
        return NotFound(f"Could not find the file {path} in container {ref}")
    return classify(text, code)


class _Source:
    """A running `podman cp CTR:PATH -` with its first entry read and kept."""

    def __init__(self, child: SpawnedProcess, prefix: bytes, entry: Entry | None) -> None:
        self.child = child
        self.prefix = prefix
        self.entry = entry

    async def chunks(self) -> AsyncIterator[bytes]:
        stdout = self.child.process.stdout
        assert stdout is not None
        try:
            if self.prefix:
                yield self.prefix
            while chunk := await stdout.read(_CHUNK):
                yield chunk
        finally:
            await self.child.close()


async def _open_source(podman: PodmanRunner, ref: str, path: str) -> _Source:
    child = await podman.spawn(["cp", "--", f"{ref}:{path}", "-"])
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
            if code != 0 or not _lists_contents(path):
                raise await _child_failed(child, ref, path)
        return _Source(child, buffer, entry)
    except BaseException:
        await child.close()
        raise


def _stat_for(path: str, entry: Entry | None) -> tuple[dict[str, object], str | None]:
    """The path's stat, and the top-level name podman used when it differs (a followed link)."""
    if _lists_contents(path) or entry is None:
        mtime = entry.mtime if entry else 0.0
        stat = path_stat(path, Entry(".", KIND_DIR, 0o755, 0, mtime))
        stat["mode"] = GO_DIR | 0o755
        return stat, None
    wanted = posixpath.basename(posixpath.normpath(path))
    top = entry.name.rstrip("/").split("/", 1)[0]
    return path_stat(path, entry), (top if top != wanted else None)


def _dot_prefixed(name: str) -> str:
    return name if name.startswith("./") else "./" + name


class _ChildResponse(StreamingResponse):
    """A streamed child's output; the child is closed even when the client leaves before the
    body iterator ever started (an unstarted generator's `finally` never runs)."""

    def __init__(self, source: _Source, body: AsyncIterator[bytes], **kwargs: Any) -> None:
        super().__init__(body, media_type="application/x-tar", **kwargs)
        self._child = source.child

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._child.close()


async def _first(podman: PodmanRunner, ref: str, path: str) -> Entry | None:
    source = await _open_source(podman, ref, path)
    await source.child.close()
    return source.entry


async def _dir_entry(podman: PodmanRunner, ref: str, path: str) -> Entry | None:
    """For `DIR/.`: the directory's own entry (podman's archive of `DIR/.` has none)."""
    if not path.endswith("/.") or path.rstrip("/.") == "":
        return None
    entry = await _first(podman, ref, path[:-2])
    return entry if entry is not None and entry.kind == KIND_DIR else None


async def _fast_stat(
    podman: PodmanRunner, ref: str, path: str, follow: bool
) -> dict[str, object] | None:
    """lstat (stat with `follow`) through /proc/PID/root of a running container, or None."""
    data = await inspect_container(podman, ref)
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


async def _stat(
    podman: PodmanRunner, ref: str, path: str, *, follow: bool = False
) -> dict[str, object]:
    fast = await _fast_stat(podman, ref, path, follow)
    if fast is not None:
        return fast
    own = await _dir_entry(podman, ref, path)
    if own is not None:
        return path_stat(path, own)
    return _stat_for(path, await _first(podman, ref, path))[0]


@router.head("/containers/{id}/archive")
async def container_archive_info(
    id: str, backend: BackendDep, path_raw: PathQuery = None
) -> Response:
    path = _archive_path(path_raw)
    ref = check_ref(id)
    stat = await _stat(backend.podman, ref, path)
    return Response(status_code=200, headers={_STAT_HEADER: encode_stat(stat)})


@router.get("/containers/{id}/archive")
async def container_archive(id: str, backend: BackendDep, path_raw: PathQuery = None) -> Response:
    path = _archive_path(path_raw)
    ref = check_ref(id)
    own = await _dir_entry(backend.podman, ref, path)
    source = await _open_source(backend.podman, ref, path)
    stat, followed = _stat_for(path, source.entry)
    if own is not None:
        stat = path_stat(path, own)
    headers = {_STAT_HEADER: encode_stat(stat)}
    body: AsyncIterator[bytes] = source.chunks()
    if followed is not None:
        wanted = posixpath.basename(posixpath.normpath(path))
        body = rebase_archive(body, lambda name: rebase_name(name, followed, wanted))
    elif path.endswith("/."):
        # dockerd sends `DIR/.` as "./" and "./NAME"...; the CLI rebases that "." prefix.
        body = rebase_archive(body, _dot_prefixed, first=own)
    return _ChildResponse(source, body, headers=headers)


async def _spool_body(request: Request) -> IO[bytes]:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
    limit, written = diskbudget.budget(tempfile.gettempdir()), 0
    async for chunk in request.stream():
        written += len(chunk)
        if written > limit:
            spool.close()
            raise diskbudget.too_large("the uploaded archive")
        spool.write(chunk)
    spool.seek(0)
    return spool


async def _feed(child: SpawnedProcess, spool: IO[bytes]) -> None:
    stdin = child.process.stdin
    assert stdin is not None
    try:
        while chunk := spool.read(_CHUNK):
            stdin.write(chunk)
            await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.close()


async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    return await stream.read() if stream is not None else b""


@router.put("/containers/{id}/archive")
async def put_container_archive(
    id: str,
    request: Request,
    backend: BackendDep,
    path_raw: PathQuery = None,
    copyUIDGID: Flag = None,
    noOverwriteDirNonDir: Flag = None,
) -> Response:
    path = _archive_path(path_raw)
    ref = check_ref(id)
    stat = await _stat(backend.podman, ref, path, follow=True)
    if not int(str(stat["mode"])) & GO_DIR:
        raise InvalidParameter("extraction point is not a directory")
    spool = await _spool_body(request)
    try:
        entries = await asyncio.to_thread(entries_of, spool)
        check_entries(entries, path)
        spool.seek(0)
        argv = ["cp"]
        if flag(copyUIDGID):
            argv.append("--archive=false")
        if not flag(noOverwriteDirNonDir):
            argv.append("--overwrite")
        child = await backend.podman.spawn([*argv, "--", "-", f"{ref}:{path}"], stdin=True)
        try:
            _, _, err = await asyncio.gather(
                _feed(child, spool),
                _read_all(child.process.stdout),
                _read_all(child.process.stderr),
            )
            code = await child.wait()
        finally:
            await child.close()
    finally:
        spool.close()
    if code != 0:
        raise _cp_error(err.decode("utf-8", "replace"), code, ref, path)
    return Response(status_code=200)


@router.get("/containers/{id}/export")
async def container_export(id: str, backend: BackendDep) -> Response:
    ref = check_ref(id)
    await inspect_container(backend.podman, ref)
    source = _Source(await backend.podman.spawn(["export", "--", ref]), b"", None)
    return _ChildResponse(source, source.chunks())


@router.get("/containers/{id}/changes")
async def container_changes(id: str, backend: BackendDep) -> Response:
    ref = check_ref(id)
    await inspect_container(backend.podman, ref)
    result = await backend.podman.run(["diff", "--format", "json", "--", ref])
    try:
        diff = json.loads(result.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise DockerError(f"podman diff returned unreadable output: {exc}") from None
    return JSONResponse(docker_changes(diff if isinstance(diff, dict) else {}))
