"""conmon's k8s-file log read as `podman logs` prints it, and followed to its end
(translate/k8s_file.py, engine/log_file.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dockershim.engine.log_file import LogFile
from dockershim.streams.framing import STDERR, STDOUT
from dockershim.translate.k8s_file import parse, render

LOG = (
    b"2026-12-03T21:08:44.076066366+00:00 stdout F out1\n"
    b"2026-12-03T21:08:44.076172274+00:00 stdout P part\n"
    b"not a record\n"
    b"2026-12-03T21:08:44.076179845+00:00 stderr F err1\n"
    b"2026-12-03T21:08:44.277772403+00:00 stdout F ial\n"
    b"2026-12-03T21:08:45.1+00:00 stdout F\n"
    b"2026-12-03T21:08:46.000000001+00:00 stdout F torn"
)


def test_parse_takes_whole_records_only() -> None:
    records, used = parse(LOG)
    assert used == LOG.rindex(b"\n") + 1  # the torn last line waits for its newline
    assert [(r.stream, r.full, r.text) for r in records] == [
        (STDOUT, True, b"out1"),
        (STDOUT, False, b"part"),
        (STDERR, True, b"err1"),
        (STDOUT, True, b"ial"),
        (STDOUT, True, b""),
    ]
    assert records[0].time_ns == 1796332124076066366  # exact nanoseconds
    assert records[4].time_ns == 1796332125100000000


def test_render_is_what_podman_logs_prints() -> None:
    records, _ = parse(LOG)
    assert b"".join(render(r, timestamps=False) for r in records if r.stream == STDOUT) == (
        b"out1\npartial\n\n"
    )
    assert render(records[1], timestamps=True) == b"2026-12-03T21:08:44.076172274+00:00 part"


async def test_follow_reads_what_is_appended_until_the_end(tmp_path: Path) -> None:
    path = tmp_path / "ctr.log"
    path.write_bytes(LOG[: LOG.index(b"not a record")])
    stopped = asyncio.Event()

    async def ended() -> bool:
        return stopped.is_set()

    log = LogFile.open(str(path), since_ns=1796332124076172274, timestamps=False, ended=ended)
    assert log is not None
    got: list[tuple[int, bytes]] = []

    async def read() -> None:
        async for batch in log.batches():
            got.extend(batch)

    reading = asyncio.create_task(read())
    await asyncio.sleep(0.1)
    assert got == [(STDOUT, b"part")]  # since: from the second record on
    with path.open("ab") as f:
        f.write(LOG[LOG.index(b"not a record") :] + b"\n")
    await asyncio.sleep(0.3)
    assert not reading.done()  # still running: still followed
    with path.open("ab") as f:
        f.write(b"2026-12-03T21:08:47.5+00:00 stderr F last words\n")
    stopped.set()  # the last record was written before the stop was seen
    await asyncio.wait_for(reading, 5)
    assert got[1:] == [
        (STDERR, b"err1\n"),
        (STDOUT, b"ial\n"),
        (STDOUT, b"\n"),
        (STDOUT, b"torn\n"),
        (STDERR, b"last words\n"),
    ]


def test_an_unreadable_file_is_none(tmp_path: Path) -> None:
    async def ended() -> bool:
        return True

    assert LogFile.open(str(tmp_path / "nope"), since_ns=0, timestamps=False, ended=ended) is None


def test_record_times_are_exact_in_every_zone_and_form() -> None:
    """One date parse per second of records (cached): the times stay exact, nanoseconds
    included, whatever the zone or the number of digits."""
    import datetime

    cases = {
        b"2026-12-03T21:08:44.076066366+00:00": "2026-12-03T21:08:44+00:00",
        b"2026-12-03T21:08:44.000000001+02:00": "2026-12-03T21:08:44+02:00",
        b"2026-12-03T23:59:59.999999999-05:30": "2026-12-03T23:59:59-05:30",
        b"2026-12-03T21:08:44.5Z": "2026-12-03T21:08:44+00:00",
        b"2026-12-03T21:08:44+00:00": "2026-12-03T21:08:44+00:00",
    }
    for stamp, second in cases.items():
        whole = int(datetime.datetime.fromisoformat(second).timestamp())
        fraction = stamp.split(b".")[1][:9] if b"." in stamp else b""
        digits = bytes(c for c in fraction if chr(c).isdigit())[:9] if fraction else b""
        (record,), _ = parse(stamp + b" stdout F x\n")
        assert record.time_ns == whole * 1_000_000_000 + int(digits.ljust(9, b"0") or b"0")
    (good,), _ = parse(b"2026-12-03T21:08:44.076066366+00:00 stdout F ok\n")
    assert parse(b"2026-13-45T99:08:44.076066366+00:00 stdout F no\n")[0] == []
    assert good.text == b"ok"
