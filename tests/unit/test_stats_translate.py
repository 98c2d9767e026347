"""Stats JSON from /proc texts captured for a busy-looping rootless container (cgroup v1)."""

from __future__ import annotations

from pathlib import Path

from dockershim.translate.stats import (
    ZERO_TIME,
    parse_net_dev,
    parse_proc_io,
    parse_proc_stat,
    parse_system_cpu,
    rfc3339_ns,
    sample_from,
    stats_body,
)

PROC = Path(__file__).parent.parent / "fixtures" / "proc"


def _sample(read_ns: int, extra_ticks: int = 0, system_extra: int = 0):  # type: ignore[no-untyped-def]
    proc = parse_proc_stat((PROC / "pid_stat.txt").read_text())
    proc = type(proc)(proc.pid, proc.ppid, proc.utime + extra_ticks, proc.stime, proc.rss_pages)
    return sample_from(
        [proc],
        [parse_proc_io((PROC / "pid_io.txt").read_text())],
        read_ns=read_ns,
        clk_tck=100,
        page_size=4096,
        system_ns=parse_system_cpu((PROC / "stat.txt").read_text(), 100) + system_extra,
        online_cpus=2,
        memory_limit=1 << 30,
        net_dev=parse_net_dev((PROC / "net_dev.txt").read_text()),
    )


def test_parse_proc_texts() -> None:
    proc = parse_proc_stat((PROC / "pid_stat.txt").read_text())
    assert (proc.pid, proc.ppid, proc.utime, proc.stime, proc.rss_pages) == (
        27582,
        27570,
        63438,
        380,
        364,
    )
    assert (
        parse_proc_stat(
            "12 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"
        ).pid
        == 12
    )
    assert parse_system_cpu((PROC / "stat.txt").read_text(), 100) == 338908 * 10_000_000
    net = parse_net_dev((PROC / "net_dev.txt").read_text())
    assert net["tap0"] == {
        "rx_bytes": 220,
        "rx_packets": 2,
        "rx_errors": 0,
        "rx_dropped": 0,
        "tx_bytes": 430,
        "tx_packets": 5,
        "tx_errors": 0,
        "tx_dropped": 0,
    }
    assert parse_proc_io((PROC / "pid_io.txt").read_text()) == (0, 16384)


def test_stats_body_gives_the_cli_what_it_computes_with() -> None:
    first = _sample(1_795_925_000_000_000_000)
    second = _sample(1_795_925_001_000_000_000, extra_ticks=50, system_extra=2_000_000_000)
    body = stats_body("st1", "abc", second, first)
    assert body["name"] == "/st1" and body["id"] == "abc"
    assert body["read"] == "2026-11-29T04:03:21Z"
    assert body["preread"] == "2026-11-29T04:03:20Z"
    cpu, pre = body["cpu_stats"], body["precpu_stats"]
    assert cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"] == 500_000_000
    assert cpu["system_cpu_usage"] - pre["system_cpu_usage"] == 2_000_000_000
    assert cpu["online_cpus"] == 2
    # docker CLI: (cpuDelta / systemDelta) * online_cpus * 100 = 50 %
    assert body["memory_stats"] == {"usage": 364 * 4096, "limit": 1 << 30, "stats": {}}
    assert list(body["networks"]) == ["tap0"]
    assert body["pids_stats"] == {"current": 1}
    ops = {e["op"]: e["value"] for e in body["blkio_stats"]["io_service_bytes_recursive"]}
    assert ops == {"read": 0, "write": 16384}


def test_first_reading_and_stopped_container() -> None:
    body = stats_body("st1", "abc", _sample(1), None)
    assert body["preread"] == ZERO_TIME
    assert body["precpu_stats"]["cpu_usage"]["total_usage"] == 0
    assert "system_cpu_usage" not in body["precpu_stats"]
    stopped = stats_body("/st1", "abc", None, None)
    assert stopped["read"] == ZERO_TIME
    assert stopped["memory_stats"] == {} and stopped["pids_stats"] == {}
    assert "networks" not in stopped
    assert stopped["name"] == "/st1"


def test_rfc3339_ns() -> None:
    assert rfc3339_ns(1_795_925_000_123_000_000) == "2026-11-29T04:03:20.123Z"
