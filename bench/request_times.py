#!/usr/bin/env python3
"""Benchmark (not a test): the docker CLI's own requests in `run -d` + `stop -t0` + `rm` (or
`--row exec`, `reads`: ps, inspect, images; `ps-none`: ps with no container), timed one by
one, against dockershim and podman's service side by side.

bench/speed.py times whole commands and bench/mutation_steps.py sends the calls itself; this
one lets the real docker CLI talk, through a relay per target that notes each request line and
the time from its first byte to the first byte of the answer (a stream's head, for `wait`).
Rounds alternate the order of the targets. It prints, per request, the median for each target
and the difference, then the median of each whole command.

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh request_times.py [--rounds 30] [--row exec|reads|ps-none]
Everything it creates carries the benchmark's label and is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import planned_targets
from speed_common import IMAGE, LABEL, SERVICE, SHIM, Target, cleanup, run

_METHODS = (b"GET ", b"POST", b"HEAD", b"DELE", b"PUT ")


class Relay:
    """A unix socket in front of a target's that times each request to its answer's head."""

    def __init__(self, listen: str, target: str) -> None:
        self.listen, self.target = listen, target
        self.times: dict[str, list[float]] = {}
        self.counting = False

    async def _client(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        sr, sw = await asyncio.open_unix_connection(self.target)
        pending: list[tuple[str, float]] = []

        async def up() -> None:
            try:
                while data := await cr.read(65536):
                    if data[:4] in _METHODS:
                        pending.append((data.split(b"\r\n", 1)[0].decode(), time.perf_counter()))
                    sw.write(data)
                    await sw.drain()
                if sw.can_write_eof():
                    sw.write_eof()  # the client's half-close (a hijacked stream's input end)
            except OSError:
                sw.close()

        async def down() -> None:
            try:
                while data := await sr.read(65536):
                    if data.startswith(b"HTTP/1.1") and pending:
                        line, began = pending.pop(0)
                        if self.counting:
                            self.times.setdefault(_request(line), []).append(
                                time.perf_counter() - began
                            )
                    cw.write(data)
                    await cw.drain()
            finally:
                cw.close()

        await asyncio.gather(up(), down(), return_exceptions=True)

    async def serve(self, ready: threading.Event) -> None:
        server = await asyncio.start_unix_server(self._client, self.listen)
        ready.set()
        async with server:
            await server.serve_forever()


# the commands of each row; CID: the container the first one made (or the exec row's)
_STEPS: dict[str, list[tuple[str, list[str]]]] = {
    "run-stop-rm": [
        ("run -d", ["run", "-d", "--label", LABEL, IMAGE, "sleep", "86400"]),
        ("stop -t0", ["stop", "-t", "0", "CID"]),
        ("rm", ["rm", "CID"]),
    ],
    "exec": [("exec CT true", ["exec", "CID", "true"])],
    "ps-none": [("ps", ["ps"]), ("ps -a", ["ps", "-a"])],
    "reads": [
        ("ps", ["ps"]),
        ("inspect CT", ["inspect", "CID"]),
        ("images", ["images"]),
    ],
}
_NEEDS_CT = ("exec", "reads")  # rows that work on one container made before the rounds


async def _cancel_all() -> None:
    """The relays and their connections, ended before their loop stops."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _request(line: str) -> str:
    """`POST /v1.45/containers/<id>/stop?t=0 HTTP/1.1` -> `POST /containers/ID/stop`."""
    method, path = line.split(" ")[:2]
    path = re.sub(r"^/v[0-9.]+", "", path.split("?")[0])
    return f"{method} {re.sub(r'/[0-9a-f]{64}', '/ID', path)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--row", choices=tuple(_STEPS), default="run-stop-rm", help="what the CLI does"
    )
    args = parser.parse_args()
    steps = _STEPS[args.row]
    workdir = Path(tempfile.mkdtemp(prefix="dsbench-req-"))
    targets: list[Target] = []
    relays: dict[str, Relay] = {}
    commands: dict[tuple[str, str], list[float]] = {}
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    try:
        cleanup()
        for target, argv in planned_targets(workdir, []):
            targets.append(target)
            target.start(argv)
            assert target.sock is not None
            relay = Relay(str(workdir / f"{target.short}-relay.sock"), target.sock)
            ready = threading.Event()
            asyncio.run_coroutine_threadsafe(relay.serve(ready), loop)
            ready.wait(10)
            target.env["DOCKER_HOST"] = f"unix://{relay.listen}"
            relays[target.name] = relay
            if args.row in _NEEDS_CT:
                out = run(target, "run", "-d", "--label", LABEL, IMAGE, "sleep", "86400")
                target.env["DSBENCH_CT"] = out.decode().strip()
        for r in range(args.rounds + 1):  # round 0 warms up and is not counted
            for t in targets if r % 2 else targets[::-1]:
                relays[t.name].counting = r > 0
                cid = t.env.get("DSBENCH_CT", "")
                for name, argv in steps:
                    began = time.perf_counter()
                    out = run(t, *[cid if a == "CID" else a for a in argv])
                    if r:
                        commands.setdefault((name, t.name), []).append(time.perf_counter() - began)
                    cid = cid or out.decode().strip()
    finally:
        for t in targets:
            t.stop()
        asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        cleanup()
    shim, svc = relays[SHIM].times, relays[SERVICE].times
    print(f"\n{args.rounds} rounds, medians in ms (time to the answer's head)")
    print(f"| request | {SHIM} | {SERVICE} | difference |\n|---|---|---|---|")
    for key in sorted(set(shim) & set(svc)):
        a, b = statistics.median(shim[key]) * 1000, statistics.median(svc[key]) * 1000
        print(f"| {key} (x{len(shim[key]) // args.rounds}) | {a:.2f} | {b:.2f} | {a - b:+.2f} |")
    print(f"\n| command | {SHIM} | {SERVICE} | ratio |\n|---|---|---|---|")
    for name, _ in steps:
        a = statistics.median(commands[(name, SHIM)]) * 1000
        b = statistics.median(commands[(name, SERVICE)]) * 1000
        print(f"| {name} | {a:.1f} | {b:.1f} | {a / b:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
