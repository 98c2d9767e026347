"""Container stats readings from /proc, without a podman process (translate/stats.py says
which fields and why): the container's processes are those in its PID namespace (or, when it
shares the host's, the descendants of its init process)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

from dockershim.engine.containers import Containers
from dockershim.translate.stats import (
    ProcStat,
    Sample,
    parse_net_dev,
    parse_proc_io,
    parse_proc_stat,
    parse_system_cpu,
    sample_from,
)
from dockershim.translate.validate import digits

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


class Stats:
    def __init__(self, containers: Containers) -> None:
        self.containers = containers

    async def reading(self, ref: str) -> tuple[dict[str, Any], Sample | None]:
        """podman's inspect JSON of the container, and a reading of its processes (None when
        it is not running)."""
        data = await self.containers.inspect(ref)
        state = data.get("State") or {}
        pid = int(state.get("Pid") or 0)
        if not state.get("Running") or pid <= 0:
            return data, None
        limit = int((data.get("HostConfig") or {}).get("Memory") or 0)
        return data, await asyncio.to_thread(_sample, pid, limit)
