"""Builds whose Dockerfile lies outside the context (docker CLI -f, the Dev Containers CLI)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cleanup, DockerRun


def test_cli_dockerfile_outside_the_context(
    docker: DockerRun, cleanup: Cleanup, tmp_path: Path
) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "f.txt").write_text("from the context\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Dockerfile").write_text(
        'FROM busybox\nARG WHO=nobody\nCOPY . /ctx/\nRUN echo "$WHO" > /who\n'
    )
    tag = cleanup.name("dst-outside")
    cleanup.images.append(tag)
    out = docker(
        "build",
        "-q",
        "-f",
        str(elsewhere / "Dockerfile"),
        "--build-arg",
        "WHO=me",
        "-t",
        tag,
        str(ctx),
    ).stdout
    assert out.strip().startswith("sha256:")
    listing = docker("run", "--rm", tag, "sh", "-c", "ls -A /ctx; cat /who /ctx/f.txt").stdout
    # The generated Dockerfile name and the .dockerignore the CLI adds stay out of COPY.
    assert listing.split("\n") == ["f.txt", "me", "from the context", ""]
