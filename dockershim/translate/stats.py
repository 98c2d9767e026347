"""Container statistics in Docker's stats JSON, computed from /proc readings.

`podman stats` refuses to work rootless on cgroup v1 ("stats is not supported in rootless mode
without cgroups v2"), so dockershim reads what the kernel exposes to the container's owner:
per-process CPU time and resident memory (/proc/PID/stat), block I/O (/proc/PID/io), the
container's network interfaces (/proc/PID/net/dev) and host CPU time (/proc/stat). This module
parses those texts and builds the JSON; the api layer does the reading.

Docker fields and where they come from:
- cpu_stats.cpu_usage.total_usage / usage_in_usermode / usage_in_kernelmode: sum of utime+stime
  of the container's processes (ns); system_cpu_usage: /proc/stat (ns); online_cpus: host CPUs.
  precpu_stats: the previous reading (empty in the first message, as dockerd).
- memory_stats.usage: sum of the processes' resident set; limit: the container's memory limit or
  the host's memory; `stats` stays empty (no cgroup counters: the CLI then shows usage as is).
- networks: every interface but `lo` in the container's network namespace (slirp4netns names it
  `tap0`); absent without a network, as dockerd.
- blkio_stats.io_service_bytes_recursive: read/write bytes (/proc/PID/io) as major 0 minor 0.
- pids_stats.current: number of processes.
Absent/zero as rootless cgroup v1 cannot give them: percpu_usage, throttling_data (zeros),
memory max_usage/failcnt/cache counters, per-device blkio, storage_stats, num_procs (0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ZERO_TIME = "0001-01-01T00:00:00Z"

_NET_FIELDS_RX = ("rx_bytes", "rx_packets", "rx_errors", "rx_dropped")
_NET_FIELDS_TX = ("tx_bytes", "tx_packets", "tx_errors", "tx_dropped")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    utime: int  # clock ticks
    stime: int
    rss_pages: int


def parse_proc_stat(text: str) -> ProcStat:
    """/proc/PID/stat: the command may contain spaces and parentheses; split after the last ')'."""
    head, _, rest = text.rpartition(")")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()
    # fields[0] is field 3 (state): field N is fields[N - 3]
    return ProcStat(
        pid=pid,
        ppid=int(fields[1]),
        utime=int(fields[11]),
        stime=int(fields[12]),
        rss_pages=int(fields[21]),
    )


def parse_system_cpu(text: str, clk_tck: int) -> int:
    """/proc/stat first line -> host CPU time in ns (user..steal, as dockerd sums it)."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            ticks = sum(int(v) for v in parts[1:9])
            return ticks * 1_000_000_000 // clk_tck
    return 0


def parse_net_dev(text: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in text.splitlines()[2:]:
        name, sep, data = line.partition(":")
        if not sep:
            continue
        values = [int(v) for v in data.split()]
        if len(values) < 12:
            continue
        iface = name.strip()
        stats = dict(zip(_NET_FIELDS_RX, (values[0], values[1], values[2], values[3]), strict=True))
        stats.update(
            zip(_NET_FIELDS_TX, (values[8], values[9], values[10], values[11]), strict=True)
        )
        out[iface] = stats
    return out


def parse_proc_io(text: str) -> tuple[int, int]:
    """/proc/PID/io -> (read_bytes, write_bytes)."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            values[key.strip()] = int(value)
    return values.get("read_bytes", 0), values.get("write_bytes", 0)


@dataclass
class Sample:
    """One reading of a running container (time in ns since the epoch)."""

    read_ns: int
    cpu_user_ns: int = 0
    cpu_kernel_ns: int = 0
    system_ns: int = 0
    online_cpus: int = 1
    memory_usage: int = 0
    memory_limit: int = 0
    pids: int = 0
    io_read: int = 0
    io_write: int = 0
    networks: dict[str, dict[str, int]] = field(default_factory=dict)


def sample_from(
    procs: list[ProcStat],
    ios: list[tuple[int, int]],
    *,
    read_ns: int,
    clk_tck: int,
    page_size: int,
    system_ns: int,
    online_cpus: int,
    memory_limit: int,
    net_dev: dict[str, dict[str, int]],
) -> Sample:
    tick_ns = 1_000_000_000 // clk_tck
    return Sample(
        read_ns=read_ns,
        cpu_user_ns=sum(p.utime for p in procs) * tick_ns,
        cpu_kernel_ns=sum(p.stime for p in procs) * tick_ns,
        system_ns=system_ns,
        online_cpus=online_cpus,
        memory_usage=sum(p.rss_pages for p in procs) * page_size,
        memory_limit=memory_limit,
        pids=len(procs),
        io_read=sum(r for r, _ in ios),
        io_write=sum(w for _, w in ios),
        networks={k: v for k, v in net_dev.items() if k != "lo"},
    )


def rfc3339_ns(ns: int) -> str:
    base = datetime.fromtimestamp(ns // 1_000_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


def _cpu(sample: Sample | None) -> dict[str, Any]:
    throttling = {"periods": 0, "throttled_periods": 0, "throttled_time": 0}
    if sample is None:
        return {
            "cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "throttling_data": throttling,
        }
    return {
        "cpu_usage": {
            "total_usage": sample.cpu_user_ns + sample.cpu_kernel_ns,
            "usage_in_kernelmode": sample.cpu_kernel_ns,
            "usage_in_usermode": sample.cpu_user_ns,
        },
        "system_cpu_usage": sample.system_ns,
        "online_cpus": sample.online_cpus,
        "throttling_data": throttling,
    }


def _blkio(sample: Sample | None) -> dict[str, Any]:
    keys = (
        "io_service_bytes_recursive",
        "io_serviced_recursive",
        "io_queue_recursive",
        "io_service_time_recursive",
        "io_wait_time_recursive",
        "io_merged_recursive",
        "io_time_recursive",
        "sectors_recursive",
    )
    out: dict[str, Any] = dict.fromkeys(keys)
    if sample is not None:
        out["io_service_bytes_recursive"] = [
            {"major": 0, "minor": 0, "op": "read", "value": sample.io_read},
            {"major": 0, "minor": 0, "op": "write", "value": sample.io_write},
        ]
    return out


def stats_body(
    name: str, container_id: str, sample: Sample | None, previous: Sample | None
) -> dict[str, Any]:
    """Docker's stats JSON; `sample` None for a container that is not running (all zero)."""
    body: dict[str, Any] = {
        "name": "/" + name.lstrip("/"),
        "id": container_id,
        "read": rfc3339_ns(sample.read_ns) if sample else ZERO_TIME,
        "preread": rfc3339_ns(previous.read_ns) if previous else ZERO_TIME,
        "pids_stats": {"current": sample.pids} if sample else {},
        "blkio_stats": _blkio(sample),
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _cpu(sample),
        "precpu_stats": _cpu(previous),
        "memory_stats": (
            {"usage": sample.memory_usage, "limit": sample.memory_limit, "stats": {}}
            if sample
            else {}
        ),
    }
    if sample and sample.networks:
        body["networks"] = sample.networks
    return body
