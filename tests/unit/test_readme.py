"""The README's first two commands are the ones CI runs, and they work as written for root on a
machine without sudo: each names an executable script of this checkout, none uses sudo."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def readme_commands() -> list[list[str]]:
    text = (REPO / "README.md").read_text()
    match = re.search(r"^```(?:sh|bash|console)?\n(.*?)^```", text, re.M | re.S)
    assert match, "README.md has no code block"
    lines = [line.split("#", 1)[0].strip() for line in match.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_readme_starts_with_two_runnable_commands_without_sudo() -> None:
    commands = readme_commands()
    assert len(commands) == 2, commands
    for argv in commands:
        assert "sudo" not in argv, argv
        script = REPO / argv[0]
        assert script.is_file(), f"{argv[0]} does not exist"
        assert os.access(script, os.X_OK), f"{argv[0]} is not executable"
        assert script.read_text().startswith("#!"), f"{argv[0]} has no interpreter line"
        calls = re.findall(r"^\s*(?:exec\s+)?sudo\b", script.read_text(), re.M)
        assert not calls, f"{argv[0]} calls sudo"
    assert [argv[0] for argv in commands] == ["scripts/run-shim.sh", "scripts/test.sh"]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = readme_commands()[1]
    ci = (REPO / ".ci" / "run").read_text()
    runs = [shlex.split(line) for line in ci.splitlines() if line.startswith("exec ")]
    assert len(runs) == 1, ci
    assert runs[0][1 : 1 + len(test_command)] == test_command
    assert 'cd "$(dirname "$0")/.."' in ci  # the README's paths are relative to the checkout


def test_docs_give_no_sudo_for_the_scripts() -> None:
    # Commands a reader copies: the scripts are run as root, never through an assumed sudo.
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    pattern = re.compile(r"`sudo (?:scripts/|-u )")
    for page in pages:
        hits = [m.group(0) for m in pattern.finditer(page.read_text())]
        allowed = page.name == "README.md" and hits == ["`sudo scripts/"]
        assert not hits or allowed, (page.name, hits)
