#!/usr/bin/env python3
"""Benchmark (not a test): where dockershim's own time goes in each call of `run -d` + `stop
-t0` + `rm`, layer by layer.

bench/mutation_steps.py compares whole calls with podman's service. This one looks inside the
shim: it serves `python -m dockershim serve` from this checkout with timers wrapped around
three seams (the ASGI app, the engine's container lookup, the call to podman's service child),
sends the four calls a `docker run -d` + `stop` + `rm` makes (create, start, stop?t=0, delete)
over one kept-alive connection, and prints per call the medians of:

  client   the whole call as the client sees it
  server   the ASGI app, from the request to the end of the answer
  child    the libpod request to podman's service child (podman's own work and the hop)
  lookup   the container lookup in podman's state before the change (none for a create)

and what is left: "http" = client - server (uvicorn, the socket, the client's own parse),
"app" = server - child - lookup (FastAPI, translation, the engine's rules).

Run as root (it runs as the test user, after bootstrap):
    scripts/bench.sh shim_layers.py [--rounds 30]
Everything it creates (names `dsbench-layers-*`) is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

PREFIX = "dsbench-layers"
CALLS = ("create", "start", "stop", "rm")
_SAMPLES: dict[str, list[float]] = defaultdict(list)


def _call_of(method: str, path: str) -> str:
    if path.endswith("/create"):
        return "create"
    if method == "DELETE":
        return "rm"
    return path.rsplit("/", 1)[-1]  # start, stop, ...


def _timed(key_of: Callable[..., str | None], wrapped: Callable[..., Awaitable[Any]]) -> Any:
    async def timer(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await wrapped(*args, **kwargs)
        finally:
            key = key_of(*args, **kwargs)
            if key:
                _SAMPLES[key].append(time.perf_counter() - started)

    return timer


def serve(sock: str, out: str) -> int:
    """The shim with timers at its seams; the samples go to `out` at SIGUSR1."""
    from dockershim.api.lazyapp import LazyApp
    from dockershim.cli import main
    from dockershim.engine.containers import Containers
    from dockershim.podman.service_child import PodmanService

    served = LazyApp.__call__

    async def timed_app(self: LazyApp, scope: Any, receive: Any, send: Any) -> None:
        # a signature of its own: uvicorn takes an app callable without arguments for a factory
        started = time.perf_counter()
        try:
            await served(self, scope, receive, send)
        finally:
            if scope.get("type") == "http":
                key = "server " + _call_of(scope["method"], scope["path"])
                _SAMPLES[key].append(time.perf_counter() - started)

    def child_key(self: Any, method: str, path: str, *rest: Any, **kw: Any) -> str | None:
        # containers only: the network namespace's holder pod goes through the child too
        return "child " + _call_of(method, path) if path.startswith("/containers/") else None

    LazyApp.__call__ = timed_app  # type: ignore[method-assign]
    Containers.lookup = _timed(lambda *a: "lookup", Containers.lookup)  # type: ignore[method-assign]
    PodmanService.call = _timed(child_key, PodmanService.call)  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, lambda *_: Path(out).write_text(json.dumps(_SAMPLES)))
    return main(["serve", "--socket", sock, "--idle-timeout", "0", "--log-level", "warning"])


def measure(rounds: int) -> int:
    import httpx

    work = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    sock, out = str(work / "shim.sock"), str(work / "samples.json")
    shim = subprocess.Popen(
        [sys.executable, __file__, "--serve", sock, "--samples", out],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    client_times: dict[str, list[float]] = defaultdict(list)
    try:
        while not os.path.exists(sock):
            if shim.poll() is not None:
                raise RuntimeError(f"the shim exited with {shim.returncode}")
            time.sleep(0.05)
        transport = httpx.HTTPTransport(uds=sock)
        with httpx.Client(transport=transport, base_url="http://d", timeout=300) as client:
            client.get("/_ping")
            for round_ in range(rounds + 1):  # round 0 warms up (the service child starts)
                body = {"Image": "busybox", "Cmd": ["sleep", "3600"]}
                ident = ""
                for call in CALLS:
                    started = time.perf_counter()
                    if call == "create":
                        name = f"{PREFIX}-{round_}"
                        answer = client.post(
                            "/v1.41/containers/create", params={"name": name}, json=body
                        )
                        ident = answer.json().get("Id", "")
                    else:
                        method, path = {
                            "start": ("POST", f"/containers/{ident}/start"),
                            "stop": ("POST", f"/containers/{ident}/stop?t=0"),
                            "rm": ("DELETE", f"/containers/{ident}"),
                        }[call]
                        answer = client.request(method, "/v1.41" + path)
                    if answer.status_code >= 300:
                        raise RuntimeError(f"{call}: {answer.status_code} {answer.text}")
                    if round_:
                        client_times[call].append(time.perf_counter() - started)
        shim.send_signal(signal.SIGUSR1)
        for _ in range(100):
            if os.path.exists(out):
                break
            time.sleep(0.05)
        server: dict[str, list[float]] = json.loads(Path(out).read_text())
    finally:
        shim.terminate()
        shim.wait(30)
        names = subprocess.run(
            ["podman", "ps", "-a", "--format", "{{.Names}}", "--filter", f"name={PREFIX}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if names:
            subprocess.run(["podman", "rm", "-f", "-t", "0", *names], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    def ms(values: list[float], skip: int = 0) -> float:
        return statistics.median(values[skip:]) * 1000 if values[skip:] else 0.0

    lookup = ms(server.get("lookup", []))
    print(f"\n{rounds} rounds, medians in ms (lookup, any call: {lookup:.2f})")
    print("| call   |   client |   server |    child |   http |    app |")
    print("|--------|----------|----------|----------|--------|--------|")
    for call in CALLS:
        # the server's samples include round 0's: skipped, as the client's are
        whole, inner = ms(server[f"server {call}"], 1), ms(server[f"child {call}"], 1)
        seen = ms(client_times[call])
        looked = 0.0 if call == "create" else lookup
        print(
            f"| {call:<6} | {seen:8.2f} | {whole:8.2f} | {inner:8.2f} "
            f"| {seen - whole:6.2f} | {whole - inner - looked:6.2f} |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the shim's side (a socket path)
    parser.add_argument("--samples", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.samples)
    return measure(args.rounds)


if __name__ == "__main__":
    raise SystemExit(main())
