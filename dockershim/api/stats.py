"""GET /containers/{id}/stats: Docker's stats JSON, one reading or a stream (one per second).

Readings come from /proc (see translate/stats.py for why and which fields): the container's
processes are those in its PID namespace (or, when it shares the host's, the descendants of its
init process). `stream=false` waits for a second reading so CPU % can be computed, as dockerd;
`one-shot=true` answers the first reading at once with empty precpu_stats. A container that is
not running yields dockerd's all-zero message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response, StreamingResponse

from dockershim.api.containers_support import inspect_container
from dockershim.api.deps import BackendDep
from dockershim.api.queries import BOOL_DOC, flag, named
from dockershim.errors import InvalidParameter
from dockershim.podman import PodmanRunner
from dockershim.translate.stats import (
    ProcStat,
    Sample,
    parse_net_dev,
    parse_proc_io,
    parse_proc_stat,
    parse_system_cpu,
    sample_from,
    stats_body,
)
from dockershim.translate.validate import digits

router = APIRouter()

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_INTERVAL = 1.0


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _ns_link(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _all_stats() -> dict[int, ProcStat]:
    out: dict[int, ProcStat] = {}
    for entry in os.listdir("/proc"):
        if digits(entry):
            text = _read(f"/proc/{entry}/stat")
            if text:
                with contextlib.suppress(ValueError, IndexError):
                    out[int(entry)] = parse_proc_stat(text)
    return out


def _container_procs(init_pid: int) -> list[ProcStat]:
    stats = _all_stats()
    if init_pid not in stats:
        return []
    ns = _ns_link(init_pid)
    if ns is not None and ns != _ns_link("self"):
        return [p for pid, p in stats.items() if _ns_link(pid) == ns]
    # Shares our PID namespace: the init process and its descendants.
    members = {init_pid}
    changed = True
    while changed:
        changed = False
        for pid, proc in stats.items():
            if pid not in members and proc.ppid in members:
                members.add(pid)
                changed = True
    return [stats[pid] for pid in members]


def _memtotal() -> int:
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _sample(init_pid: int, memory_limit: int) -> Sample | None:
    procs = _container_procs(init_pid)
    if not procs:
        return None
    ios = [parse_proc_io(_read(f"/proc/{p.pid}/io") or "") for p in procs]
    return sample_from(
        procs,
        ios,
        read_ns=time.time_ns(),
        clk_tck=_CLK_TCK,
        page_size=_PAGE_SIZE,
        system_ns=parse_system_cpu(_read("/proc/stat") or "", _CLK_TCK),
        online_cpus=len(os.sched_getaffinity(0)),
        memory_limit=memory_limit or _memtotal(),
        net_dev=parse_net_dev(_read(f"/proc/{init_pid}/net/dev") or ""),
    )


async def _reading(podman: PodmanRunner, ref: str) -> tuple[dict[str, Any], Sample | None]:
    data = await inspect_container(podman, ref)
    state = data.get("State") or {}
    pid = int(state.get("Pid") or 0)
    if not state.get("Running") or pid <= 0:
        return data, None
    limit = int((data.get("HostConfig") or {}).get("Memory") or 0)
    return data, await asyncio.to_thread(_sample, pid, limit)


def _body(data: dict[str, Any], sample: Sample | None, previous: Sample | None) -> dict[str, Any]:
    return stats_body(str(data.get("Name", "")), str(data.get("Id", "")), sample, previous)


async def _stream(podman: PodmanRunner, ref: str, first: tuple[Any, Any]) -> AsyncIterator[bytes]:
    data, sample = first
    previous: Sample | None = None
    while True:
        yield (json.dumps(_body(data, sample, previous)) + "\n").encode()
        previous = sample
        await asyncio.sleep(_INTERVAL)
        try:
            data, sample = await _reading(podman, ref)
        except Exception:  # removed meanwhile: the stream ends, as dockerd's does
            return


@router.get("/containers/{id}/stats")
async def container_stats(
    id: str,
    backend: BackendDep,
    stream_raw: Annotated[str | None, named("stream", BOOL_DOC + " (default true)")] = None,
    one_shot_raw: Annotated[str | None, named("one-shot", BOOL_DOC)] = None,
) -> Response:
    stream = flag(stream_raw, True)
    one_shot = flag(one_shot_raw, False)
    if one_shot and stream:
        raise InvalidParameter("cannot have stream=true and one-shot=true")
    first = await _reading(backend.podman, id)
    if stream:
        return StreamingResponse(_stream(backend.podman, id, first), media_type="application/json")
    data, sample = first
    if one_shot or sample is None:
        return JSONResponse(_body(data, sample, None))
    await asyncio.sleep(_INTERVAL)
    data, second = await _reading(backend.podman, id)
    return JSONResponse(_body(data, second, sample if second else None))
