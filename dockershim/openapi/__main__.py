"""`python -m dockershim.openapi [--check]`: write (or check) openapi/dockershim.json and
docs/compatibility.md from the routes, Docker's spec and openapi/deviations.json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dockershim.openapi import compare, compat, served

ROOT = Path(__file__).resolve().parents[2]
DOCKER_VERSION = "1.55"
DOCKER_SPEC_NAME = f"shared/openapi/docker-engine-v{DOCKER_VERSION}.yaml"
SERVED = ROOT / "openapi" / "dockershim.json"
DEVIATIONS = ROOT / "openapi" / "deviations.json"
COMPAT = ROOT / "docs" / "compatibility.md"


def docker_spec() -> Path:
    """Docker's spec in ../shared/openapi of the checkout (or of a directory above a worktree)."""
    for parent in ROOT.parents:
        if (parent / DOCKER_SPEC_NAME).is_file():
            return parent / DOCKER_SPEC_NAME
    return ROOT.parent / DOCKER_SPEC_NAME


def generated(docker_spec: Path) -> tuple[str, str, list[str]]:
    """The served document, the compatibility page, and the undeclared differences."""
    doc = served.document()
    docker = compare.docker_operations(docker_spec)
    found = compare.differences(docker, compare.served_operations(doc))
    deviations = json.loads(DEVIATIONS.read_text())
    page = compat.render(DOCKER_VERSION, docker, found, deviations)
    return json.dumps(doc, indent=2) + "\n", page, compare.undeclared(found, deviations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dockershim.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether files are current")
    parser.add_argument("--spec", type=Path, default=None, help="Docker's v1.55 spec")
    args = parser.parse_args(argv)
    document, page, problems = generated(args.spec or docker_spec())
    for problem in problems:
        print(f"undeclared: {problem}", file=sys.stderr)
    stale = (
        [p for p, text in ((SERVED, document), (COMPAT, page)) if p.read_text() != text]
        if (SERVED.exists() and COMPAT.exists())
        else [SERVED, COMPAT]
    )
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale or problems else 0
    SERVED.write_text(document)
    COMPAT.write_text(page)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
