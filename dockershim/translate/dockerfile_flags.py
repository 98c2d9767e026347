"""What dockerd's classic builder refuses in a Dockerfile, found before podman reads it.

dockerd's classic builder refuses any flag on RUN (`--mount`, `--network`, `--security`) and
`--chmod` on COPY/ADD with "the --X option requires BuildKit...". podman 4.3's buildah honours
them instead, and its `RUN --mount` has path-traversal bugs that reach the user's files
(CVE-2024-9675, CVE-2024-1753, CVE-2024-9407, CVE-2024-11218): building an untrusted Dockerfile
through dockershim must not be more dangerous than through dockerd.

The scan is deliberately more suspicious than any parser: instructions are joined the way
docker's and buildah's parsers join continuation lines (the escape character removed, nothing
added, comment lines inside a continuation skipped), with both escape characters (`\\` and
`` ` ``) regardless of the escape directive, with empty lines inside a continuation both
skipped and taken as its end, and every line is taken as a possible instruction
(buildah 1.28 has no heredocs, so a heredoc body line is an instruction to it).
"""

from __future__ import annotations

import re

BUILDKIT_HINT = (
    "Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with "
    "BuildKit enabled"
)

_RUN_FLAG = re.compile(r"^\s*RUN\s+--(?P<flag>[A-Za-z0-9_-]*)", re.I)
_COPY_CHMOD = re.compile(r"^\s*(?:COPY|ADD)\s+(?:--\S+\s+)*--chmod\b", re.I)


def _joined(dockerfile: str, escape: str, empty_ends: bool) -> list[tuple[int, str]]:
    """(first line number, instruction) pairs, continuation lines joined as parsers do. An
    empty line inside a continuation is skipped (buildkit) or ends it (`empty_ends`)."""
    trailing = re.compile(re.escape(escape) + r"[ \t]*$")
    out: list[tuple[int, str]] = []
    current: str | None = None
    # Lines as Go's scanner splits them (only at "\n"), not at Python's other line breaks.
    lines = dockerfile.removeprefix("\ufeff").split("\n")
    for number, raw in enumerate((line.removesuffix("\r") for line in lines), 1):
        if raw.strip().startswith("#"):
            continue  # a comment line never continues, nor is it part of an instruction
        if current is not None and not raw.strip():
            if empty_ends:
                current = None
            continue
        text = raw if current is not None else raw.lstrip()
        stripped, continued = trailing.subn("", text)
        if current is None:
            out.append((number, stripped))
        else:
            out[-1] = (out[-1][0], out[-1][1] + stripped)
        current = stripped if continued else None
    return out


def _flag_name(text: str) -> str:
    return text.split("=", 1)[0] or "<empty>"


def buildkit_refusal(dockerfile: str) -> tuple[int, str, str] | None:
    """(line number, instruction, dockerd's message) for the first instruction the classic
    builder refuses, or None when there is none."""
    found: list[tuple[int, str, str]] = []
    variants = [(escape, ends) for escape in ("\\", "`") for ends in (False, True)]
    for escape, empty_ends in variants:
        for number, line in _joined(dockerfile, escape, empty_ends):
            run = _RUN_FLAG.match(line)
            if run:
                flag = _flag_name(run["flag"])
            elif _COPY_CHMOD.match(line):
                flag = "chmod"
            else:
                continue
            message = f"the --{flag} option requires BuildKit. {BUILDKIT_HINT}"
            found.append((number, line.strip(), message))
            break
    return min(found) if found else None
