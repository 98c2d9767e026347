"""What differs between the served document and Docker's spec, and which differences are declared.

Compared: the operations (method and path, path parameters by position: dockershim names them
`{ref}` where Docker says `{id}`), the query parameter names of each operation, and the top-level
field names of JSON object bodies. Each difference must be declared in openapi/deviations.json
with a reason; a declaration that no longer matches a difference is reported too.

deviations.json maps "METHOD /docker/path" to:
  "refused": why (required for a Docker operation that is not served; allowed for one served
             only to refuse), "extra": why (an operation Docker does not have),
  "query" / "body": {name: why} for a parameter or field one side has and the other not
             ("*" in "body": Docker's object body is not modelled at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ("get", "post", "put", "delete", "head")


@dataclass(frozen=True)
class Operation:
    key: str  # "METHOD /path" in Docker's spelling (the served one for extras)
    operation_id: str
    tag: str
    query: frozenset[str]
    body: frozenset[str] | None  # field names of an object body, None without one


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _swagger_props(schema: dict[str, Any], definitions: dict[str, Any]) -> set[str] | None:
    if "$ref" in schema:
        return _swagger_props(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    props: set[str] = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props |= _swagger_props(part, definitions) or set()
    return props or None


def docker_operations(spec_path: Path) -> dict[str, Operation]:
    import yaml  # only the generator and the tests need it (the `test` extra)

    spec = yaml.safe_load(spec_path.read_text())
    found: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            body = None
            for p in params:
                if p["in"] == "body":
                    body = _swagger_props(p.get("schema", {}), spec.get("definitions", {}))
            key = f"{method.upper()} {path}"
            found[key] = Operation(
                key,
                op["operationId"],
                (op.get("tags") or ["Other"])[0],
                frozenset(p["name"] for p in params if p["in"] == "query"),
                frozenset(body) if body else None,
            )
    return found


def served_operations(doc: dict[str, Any]) -> dict[str, Operation]:
    schemas = doc.get("components", {}).get("schemas", {})
    found: dict[str, Operation] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                body = frozenset(schemas[name].get("properties", {}))
            params = op.get("parameters", [])
            found[f"{method.upper()} {path}"] = Operation(
                f"{method.upper()} {path}",
                op["operationId"],
                "",
                frozenset(p["name"] for p in params if p["in"] == "query"),
                body,
            )
    return found


@dataclass(frozen=True)
class Difference:
    key: str  # Docker's operation key, or the served one for an extra operation
    kind: str  # "refused" | "extra" | "query" | "body"
    name: str = ""  # the parameter or field ("*": the whole body)
    missing: bool = True  # Docker has it and dockershim not (False: only dockershim has it)


def differences(docker: dict[str, Operation], served: dict[str, Operation]) -> list[Difference]:
    by_shape = {_shape(key): op for key, op in served.items()}
    found: list[Difference] = []
    matched: set[str] = set()
    for key, want in docker.items():
        have = by_shape.get(_shape(key))
        if have is None:
            found.append(Difference(key, "refused"))
            continue
        matched.add(have.key)
        found += [Difference(key, "query", n) for n in sorted(want.query - have.query)]
        found += [Difference(key, "query", n, False) for n in sorted(have.query - want.query)]
        if want.body is not None and have.body is None:
            found.append(Difference(key, "body", "*"))
        elif want.body is not None and have.body is not None:
            found += [Difference(key, "body", n) for n in sorted(want.body - have.body)]
            found += [Difference(key, "body", n, False) for n in sorted(have.body - want.body)]
    found += [Difference(k, "extra", missing=False) for k in served if k not in matched]
    return found


def undeclared(found: list[Difference], deviations: dict[str, Any]) -> list[str]:
    """Differences without a reason in deviations.json, and declarations matching none."""
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for d in found:
        entry = deviations.get(d.key, {})
        seen.add((d.key, d.kind, d.name))
        if d.kind in ("query", "body") and entry.get("refused"):
            continue  # an operation that only refuses reads none of its parameters
        if d.kind in ("refused", "extra"):
            if not entry.get(d.kind):
                problems.append(f"{d.key}: {_describe(d)}, not declared ({d.kind!r})")
        elif not entry.get(d.kind, {}).get(d.name):
            problems.append(f"{d.key}: {_describe(d)}, not declared ({d.kind!r})")
    served_refusals = {d.key for d in found if d.kind == "refused"}
    for key, entry in deviations.items():
        for kind in ("extra", "query", "body"):
            names = [""] if kind == "extra" else list(entry.get(kind, {}))
            for name in names if kind in entry else []:
                if (key, kind, name) not in seen:
                    problems.append(f"{key}: declared {kind} {name!r} is no difference (stale)")
        if "refused" in entry and key not in served_refusals and not entry.get("served"):
            problems.append(
                f'{key}: declared refused but served (add "served": true if it only refuses)'
            )
    return problems


def _describe(d: Difference) -> str:
    if d.kind == "refused":
        return "Docker operation not served"
    if d.kind == "extra":
        return "served operation Docker does not have"
    side = "missing" if d.missing else "only dockershim has"
    what = "the JSON body is not modelled" if d.name == "*" else f"{d.kind} {d.name!r}"
    return f"{what} ({side})" if d.name != "*" else what
