"""What routes get from the app: its Backend (api/backend.py) and what is in it, as FastAPI
dependencies; query and body readers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from dockershim.api.backend import Backend
from dockershim.api.queries import flag, number
from dockershim.engine import Engine
from dockershim.errors import InvalidParameter, TooLarge
from dockershim.podman import PodmanRunner
from dockershim.translate.validate import digits, has_nul, loads


# Dependencies are `async def`: FastAPI runs a plain `def` one in its worker threads, and each
# such hop cost a request 0.1-0.3 ms of waking threads and the loop (a container start took
# 4-5 of them).
async def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def get_podman(request: Request) -> PodmanRunner:
    return (await get_backend(request)).podman


async def get_engine(request: Request) -> Engine:
    return (await get_backend(request)).engine


BackendDep = Annotated[Backend, Depends(get_backend)]
EngineDep = Annotated[Engine, Depends(get_engine)]
PodmanDep = Annotated[PodmanRunner, Depends(get_podman)]


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    """Docker's boolean query values (api/queries.py's flag)."""
    return flag(request.query_params.get(name), default)


def query_int(request: Request, name: str, default: int | None = None) -> int | None:
    return number(request.query_params.get(name), name, default)


MAX_JSON_BODY = 8 << 20  # generous: compose's largest create bodies are a few KiB


async def _capped_body(request: Request) -> bytes:
    """The body, refused with 413 once it passes MAX_JSON_BODY (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if digits(declared) and int(declared) > MAX_JSON_BODY:
        raise TooLarge(f"request body is larger than {MAX_JSON_BODY >> 20} MiB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BODY:
            raise TooLarge(f"request body is larger than {MAX_JSON_BODY >> 20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request, *, required: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; empty bodies are `{}` unless required."""
    raw = await _capped_body(request)
    if not raw.strip():
        if required:
            raise InvalidParameter("invalid JSON: request body is empty")
        return {}
    data = loads(raw, "JSON")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidParameter("invalid JSON: expected an object")
    if has_nul(data):
        # no process argument, path or file name can hold one: refused where it enters
        raise InvalidParameter("invalid parameter: a string contains a NUL byte")
    return data
