"""Every route the app serves is one of Docker's operations (../openapi), named after its
operationId in snake_case, with the spec's method and path."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.routing import APIRoute

from dockershim.api.app import create_app
from tests.fakes import FakePodman

SPECS = [
    Path(__file__).parents[2] / "openapi" / f"docker-engine-v{v}.yaml" for v in ("1.55", "1.41")
]
# Served although no spec lists them: BuildKit's session endpoint answers clearly (issue 5).
EXTRA_OPERATIONS = {("POST", "/grpc"): "build_grpc"}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def spec_operations() -> dict[tuple[str, str], str]:
    operations: dict[tuple[str, str], str] = {}
    for spec_path in SPECS:
        spec = yaml.safe_load(spec_path.read_text())
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method in ("get", "post", "put", "delete", "head"):
                    operations.setdefault((method.upper(), path), snake(op["operationId"]))
    return {**operations, **EXTRA_OPERATIONS}


def test_routes_are_docker_operations() -> None:
    operations = spec_operations()
    app = create_app(FakePodman())
    problems = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        path = re.sub(r"\{(\w+):path\}", r"{\1}", route.path)
        for method in route.methods:
            expected = operations.get((method, path))
            if expected is None:
                problems.append(f"{method} {route.path}: not an operation of Docker's API")
            elif route.name != expected:
                problems.append(f"{method} {route.path}: named {route.name}, expected {expected}")
    assert not problems, "\n".join(problems)
