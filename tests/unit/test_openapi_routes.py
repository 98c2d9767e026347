"""Every route the app serves is one of Docker's operations (../openapi), named after its
operationId in snake_case, with the spec's method and path (path parameters compared by position:
the routes say `{ref}` where Docker says `{id}`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dockershim.openapi.served import served_routes

SPECS = [
    Path(__file__).parents[2] / "openapi" / f"docker-engine-v{v}.yaml" for v in ("1.55", "1.41")
]
# Served although no spec lists them: BuildKit's session endpoint answers clearly (issue 5).
EXTRA_OPERATIONS = {
    ("GET", "/grpc"): "build_grpc",
    ("POST", "/grpc"): "build_grpc",
    ("GET", "/session"): "session",  # the same route as Docker's POST /session
}


def shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def spec_operations() -> dict[tuple[str, str], str]:
    operations: dict[tuple[str, str], str] = {}
    for spec_path in SPECS:
        spec = yaml.safe_load(spec_path.read_text())
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method in ("get", "post", "put", "delete", "head"):
                    key = (method.upper(), shape(path))
                    operations.setdefault(key, snake(op["operationId"]))
    return {**operations, **{(m, shape(p)): name for (m, p), name in EXTRA_OPERATIONS.items()}}


def test_routes_are_docker_operations() -> None:
    operations = spec_operations()
    routes = served_routes()
    assert len(routes) > 100  # FastAPI 0.165 keeps included routers whole in app.routes
    problems = []
    for route in routes:
        path = shape(route.path)
        for method in route.methods:
            expected = operations.get((method, path))
            if expected is None:
                problems.append(f"{method} {route.path}: not an operation of Docker's API")
            elif route.name != expected:
                problems.append(f"{method} {route.path}: named {route.name}, expected {expected}")
    assert not problems, "\n".join(problems)
