"""`podman top` output -> Docker's ContainerTop body {"Titles": [...], "Processes": [[...]]}."""

from __future__ import annotations

import re
from typing import Any

# podman's descriptors for the columns of `ps -ef`, which dockerd shows without ps_args
EF_DESCRIPTORS = ["user", "pid", "ppid", "pcpu", "stime", "tty", "time", "args"]
EF_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
_STIME = re.compile(r"^\d{4}-\d\d-\d\d (\d\d:\d\d):\d\d")


def top_body(text: str, *, custom: bool) -> dict[str, Any]:
    """`custom`: ps ran inside the container with the client's ps_args (split on blanks, the
    last column keeps the rest, as dockerd); otherwise podman's descriptor table."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {"Titles": [], "Processes": []}
    if custom:
        titles = lines[0].split()
        return {
            "Titles": titles,
            "Processes": [ln.split(None, len(titles) - 1) for ln in lines[1:]],
        }
    return {"Titles": EF_TITLES, "Processes": [_ef_row(lines[0], ln) for ln in lines[1:]]}


def _ef_row(header: str, line: str) -> list[str]:
    """Cut at the header's column starts (podman's STIME contains blanks)."""
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    ends = [*starts[1:], max(len(line), starts[-1])]
    cells = [line[a:b].strip() for a, b in zip(starts, ends, strict=True)]
    if len(cells) == len(EF_TITLES):
        match = _STIME.match(cells[4])
        if match:
            cells[4] = match[1]
        cells[3] = cells[3].split(".")[0]
    return cells
