"""Dockerfile instructions dockerd's classic builder refuses (RUN flags, COPY/ADD --chmod)."""

from __future__ import annotations

import pytest

from dockershim.translate.dockerfile_flags import buildkit_refusal

HINT = "Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit"


@pytest.mark.parametrize(
    ("dockerfile", "flag", "line"),
    [
        ("FROM busybox\nRUN --mount=type=cache,id=../../x,target=/m cat /m/f\n", "mount", 2),
        ("FROM busybox\nrun --network=host true\n", "network", 2),
        ("FROM busybox\n  Run\t--security=insecure true\n", "security", 2),
        ("FROM busybox\nRUN \\\n  --mount=type=bind,target=/m true\n", "mount", 2),
        ("FROM busybox\nRUN \\\n# a comment\n\n --mount=x true\n", "mount", 2),
        ("FROM busybox\nR\\\nUN --mount=x true\n", "mount", 2),
        # the escape directive, or a second escape character, does not hide a flag
        ("# escape=`\nFROM busybox\nRUN `\n --mount=x true\n", "mount", 3),
        ("FROM busybox\nRUN `\n --mount=x true\n", "mount", 2),
        ("# escape=`\nFROM busybox\nRUN echo \\\nRUN --network=host true\n", "network", 4),
        # an empty line ends a continuation for some parsers: the next line is then an instruction
        ("FROM busybox\nRUN echo \\\n\nRUN --mount=x true\n", "mount", 4),
        # buildah 1.28 has no heredocs: their body lines are instructions to it
        ("FROM busybox\nRUN <<EOF\nRUN --mount=x true\nEOF\n", "mount", 3),
        ("FROM busybox\r\nRUN --mount=x true\r\n", "mount", 2),
        ("\ufeffRUN --mount=x true\n", "mount", 1),
        ("FROM busybox\nCOPY --chmod=777 a /a\n", "chmod", 2),
        ("FROM busybox\nADD --chown=1 --chmod=777 a /a\n", "chmod", 2),
    ],
)
def test_refused_like_the_classic_builder(dockerfile: str, flag: str, line: int) -> None:
    refusal = buildkit_refusal(dockerfile)
    assert refusal is not None
    number, _, message = refusal
    assert message == f"the --{flag} option requires BuildKit. {HINT} enabled"
    assert number == line


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM busybox\nRUN echo --mount=x\n",
        "FROM --platform=linux/amd64 busybox AS b\nCOPY --from=b --chown=1 a /a\n",
        "FROM busybox\n# RUN --mount=x true\nRUN true\n",
        "FROM busybox\nRUN apt-get install x && \\\n    run-parts --test /etc\n",
        "FROM busybox\nONBUILD RUN true\nENV A=--mount\n",
    ],
)
def test_classic_dockerfiles_pass(dockerfile: str) -> None:
    assert buildkit_refusal(dockerfile) is None
