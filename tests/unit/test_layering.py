"""The layering the engine gives (docs/architecture.md), kept from eroding: routes that went
behind the engine start no podman process and read no podman error text themselves, and
podman/ imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dockershim"
ENGINE_ROUTES = [
    "containers.py", "containers_lifecycle.py", "container_update.py", "images.py",
    "networks.py", "volumes.py", "system.py", "system_df.py", "attach.py",
]  # fmt: skip
# the streaming routes, which went behind the engine later: they import nothing of podman/
STREAM_ROUTES = [
    "archive.py", "build.py", "containers_logs.py", "events.py", "exec.py", "imagearchive.py",
    "jsonstream.py", "pull.py", "push.py", "stats.py",
]  # fmt: skip
PODMAN_CALLS = {"run", "run_json", "spawn"}
# podman sub-commands a route would put first in an argv list if it built one
SUBCOMMANDS = {
    "build", "commit", "cp", "create", "diff", "events", "exec", "export", "image", "images",
    "import", "init", "inspect", "kill", "load", "login", "logs", "manifest", "network",
    "pause", "ps", "pull", "push", "rename", "restart", "rm", "rmi", "save", "search", "start",
    "stop", "tag", "top", "unpause", "untag", "update", "volume", "wait",
}  # fmt: skip


def _calls(tree: ast.AST) -> set[str]:
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute | ast.Name)
        and (getattr(node.func.value, "attr", None) or getattr(node.func.value, "id", ""))
        == "podman"
    }


# translate/ functions that read podman's words rather than Docker's
PODMAN_TEXT_READERS = {"failure"}


def _translator_calls(tree: ast.AST) -> set[str]:
    """The translate/ functions a module calls (`tx.name(...)`, or a name imported from one)."""
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "dockershim.translate":
            modules |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "dockershim.translate."
        ):
            functions |= {alias.asname or alias.name for alias in node.names}
    called: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in modules:
                called.add(func.attr)
        elif isinstance(func, ast.Name) and func.id in functions:
            called.add(func.id)
    return called


def _argv_lists(tree: ast.AST) -> list[str]:
    """The first strings of list literals that read like a podman argv."""
    return [
        node.elts[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.List)
        and node.elts
        and isinstance(node.elts[0], ast.Constant)
        and node.elts[0].value in SUBCOMMANDS
    ]


def test_engine_routes_start_no_podman() -> None:
    for name in ENGINE_ROUTES + STREAM_ROUTES:
        tree = ast.parse((PACKAGE / "api" / name).read_text())
        assert not _calls(tree) & PODMAN_CALLS, name
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert "dockershim.podman.errors" not in imported, name  # podman's texts: the engine's
        assert not _argv_lists(tree), name  # podman's argv: the engine's
        # nor through translate/: an argv builder's, or a reader of podman's text
        engine_only = {
            call
            for call in _translator_calls(tree)
            if call.endswith(("_argv", "_args")) or call in PODMAN_TEXT_READERS
        }
        assert not engine_only, (name, engine_only)


def test_stream_routes_import_nothing_of_podman() -> None:
    """The child a stream route pumps is handed over by the engine (engine/child.py)."""
    for name in STREAM_ROUTES:
        tree = ast.parse((PACKAGE / "api" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("dockershim.podman"), (name, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("dockershim.podman") for a in node.names)


def test_routes_read_no_child_pipes() -> None:
    """A child's output reaches a route as the engine reads it (lines, batches, chunks); no
    route reads a child's pipes itself."""
    for path in (PACKAGE / "api").glob("*.py"):
        tree = ast.parse(path.read_text())
        pipes = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "process"
        ]
        assert not pipes, (path.name, pipes)


def test_podman_imports_nothing_above_it() -> None:
    for path in (PACKAGE / "podman").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "dockershim" and len(parts) > 1:
                    assert parts[1] in ("podman", "errors", "secret", "statefile"), (
                        path.name,
                        node.module,
                    )


def test_the_runner_is_the_only_place_the_service_starts_processes() -> None:
    """Besides the runner: the command-line tools (doctor, install) and the activator, which
    starts the service itself; none of them serves a request."""
    allowed = {
        "podman/runner.py", "doctor.py", "doctor_storage.py", "install.py",
        "server/activator.py", "server/activation_loop.py",
    }  # fmt: skip
    marks = ("import subprocess", "create_subprocess", "os.fork", "os.exec", "pty.fork")
    starting = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(mark in path.read_text() for mark in marks)
    }
    assert starting <= allowed, starting - allowed
