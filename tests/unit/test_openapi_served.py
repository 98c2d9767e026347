"""openapi/dockershim.json and docs/compatibility.md are what the routes make of them today, and
every difference from Docker's spec (../shared/openapi) is a declared deviation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dockershim.api.build_query import build_query
from dockershim.openapi import compare
from dockershim.openapi.__main__ import COMPAT, DEVIATIONS, SERVED, docker_spec, generated
from dockershim.translate import build as tbuild

REGENERATE = "regenerate with `python -m dockershim.openapi` and commit the result"


@pytest.fixture(scope="module")
def outputs() -> tuple[str, str, list[str]]:
    return generated(docker_spec())


def test_docker_spec_is_found() -> None:
    # CI and the machines keep Docker's spec next to the checkout: a missing one is a failure
    assert docker_spec().is_file(), f"Docker's spec not found at {docker_spec()}"


def test_committed_document_is_current(outputs: tuple[str, str, list[str]]) -> None:
    assert SERVED.read_text() == outputs[0], f"openapi/dockershim.json is stale: {REGENERATE}"


def test_compatibility_page_is_current(outputs: tuple[str, str, list[str]]) -> None:
    assert COMPAT.read_text() == outputs[1], f"docs/compatibility.md is stale: {REGENERATE}"


def test_every_difference_from_docker_is_declared(outputs: tuple[str, str, list[str]]) -> None:
    problems = outputs[2]
    assert not problems, "declare these in openapi/deviations.json:\n" + "\n".join(problems)


def _differences() -> tuple[list[compare.Difference], dict[str, Any]]:
    doc = json.loads(SERVED.read_text())
    docker = compare.docker_operations(docker_spec())
    found = compare.differences(docker, compare.served_operations(doc))
    return found, json.loads(DEVIATIONS.read_text())


def test_an_undeclared_difference_is_reported() -> None:
    found, deviations = _differences()
    stop = deviations.pop("POST /containers/{id}/stop")
    problems = compare.undeclared(found, deviations)
    assert problems == [
        "POST /containers/{id}/stop: query 'timeout' (only dockershim has), not declared ('query')"
    ]
    deviations["POST /containers/{id}/stop"] = {**stop, "query": {**stop["query"], "x": "why"}}
    assert compare.undeclared(found, deviations) == [
        "POST /containers/{id}/stop: declared query 'x' is no difference (stale)"
    ]


def test_a_missing_route_and_a_new_parameter_are_differences() -> None:
    doc = json.loads(SERVED.read_text())
    docker = compare.docker_operations(docker_spec())
    del doc["paths"]["/volumes/{name}"]["get"]
    doc["paths"]["/volumes"]["get"]["parameters"].append({"name": "newone", "in": "query"})
    found = compare.differences(docker, compare.served_operations(doc))
    assert compare.Difference("GET /volumes/{name}", "refused") in found
    assert compare.Difference("GET /volumes", "query", "newone", missing=False) in found


def test_body_fields_are_compared() -> None:
    served = compare.served_operations(json.loads(SERVED.read_text()))
    docker = compare.docker_operations(docker_spec())
    for key in ("POST /containers/create", "POST /networks/create", "POST /volumes/create"):
        have = served[key.replace("{id}", "{ref}")].body
        assert have is not None and docker[key].body is not None
        assert docker[key].body <= have, key


def test_build_translator_reads_only_declared_parameters() -> None:
    read: set[str] = set()

    def recording(name: str) -> list[str]:
        read.add(name)
        return []

    tbuild.build_args(recording, "/Dockerfile", "/iid")
    tbuild.tags(recording)
    declared = set(build_query.__code__.co_varnames[: build_query.__code__.co_argcount])
    source = Path(tbuild.__file__).read_text()
    named = set(re.findall(r'(?:one|get)\("([a-z-]+)"\)', source)) | set(tbuild._LIMITS)
    assert read | named <= declared


def test_the_service_never_builds_the_document() -> None:
    # cold start (api/lazyapp.py): the app has no OpenAPI route and never imports the generator
    code = (
        "import sys, tempfile\n"
        "from dockershim.api.app import create_app\n"
        "from tests.fakes import FakePodman\n"
        "app = create_app(FakePodman(), state_dir=tempfile.mkdtemp())\n"
        "assert app.openapi_url is None and app.openapi_schema is None\n"
        "assert not [m for m in sys.modules if m.startswith('dockershim.openapi')]\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
