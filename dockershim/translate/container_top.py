"""`podman top` output (its CLI's table, or its service's rows) -> Docker's ContainerTop body
{"Titles": [...], "Processes": [[...]]}."""

from __future__ import annotations

import re
from typing import Any

# podman's descriptors for the columns of `ps -ef`, which dockerd shows without ps_args
EF_DESCRIPTORS = ["user", "pid", "ppid", "pcpu", "stime", "tty", "time", "args"]
EF_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
# the headers podman gives those descriptors (psgo's)
EF_HEADERS = ["USER", "PID", "PPID", "%CPU", "STIME", "TTY", "TIME", "COMMAND"]
_STIME = re.compile(r"^\d{4}-\d\d-\d\d (\d\d:\d\d):\d\d")
# psgo's descriptors in podman 4.3.1 (psgo v1.7.3), AIX codes and names: later podmans know
# more, never fewer (one of those read here as "not psgo's" only costs a `podman top`)
# fmt: off
PSGO_DESCRIPTORS = frozenset({
    "%C", "pcpu", "%G", "group", "groups", "%P", "ppid", "%U", "user", "%a", "args", "%c",
    "comm", "%g", "rgroup", "%n", "nice", "%p", "pid", "%r", "pgid", "%t", "etime", "%u",
    "ruser", "%x", "time", "%y", "tty", "%z", "vsz", "capamb", "capinh", "capprm", "capeff",
    "capbnd", "seccomp", "label", "hpid", "huser", "hgroup", "hgroups", "rss", "state", "stime",
})
# fmt: on
_SHLEX_INERT = re.compile(r"[\w,=%+.:/@-]+")  # no quote, escape or comment for shlex


def top_body(text: str, *, custom: bool) -> dict[str, Any]:
    """`custom`: ps ran inside the container with the client's ps_args (split on blanks, the
    last column the rest, as dockerd); otherwise podman's descriptor table."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {"Titles": [], "Processes": []}
    if custom:
        titles = lines[0].split()
        return {"Titles": titles, "Processes": [_fields(ln, len(titles)) for ln in lines[1:]]}
    return {"Titles": EF_TITLES, "Processes": [_ef_row(lines[0], ln) for ln in lines[1:]]}


def one_ps_args(words: list[str]) -> str | None:
    """libpod's top takes ps_args as one string where `podman top ID -- WORDS...` takes a
    list; both go to the same Top(), which tries psgo with every comma-separated part and
    else runs `ps` with each string shlex-split. The one string that makes Top() do what the
    list does, or None when there is none (then: `podman top`)."""
    if len(words) == 1:
        return words[0]
    parts = [part for word in words for part in word.split(",") if part]
    if all(part in PSGO_DESCRIPTORS for part in parts):
        return ",".join(parts)  # psgo reads the same parts either way
    if all(_SHLEX_INERT.fullmatch(word) for word in words):
        return " ".join(words)  # not psgo's: `ps` gets the same words back from shlex
    return None


def _fields(line: str, columns: int) -> list[str]:
    """dockerd's parsePSOutput: blank-separated fields, the last column the rest joined by
    single blanks (a command's own runs of blanks and tabs read as one)."""
    fields = line.split()
    if len(fields) < columns:
        return fields
    return [*fields[: columns - 1], " ".join(fields[columns - 1 :])]


def rows_table(titles: list[str], rows: list[list[str]]) -> str:
    """podman's service's rows of a custom ps_args (one cell per line of `ps`, or psgo's
    cells) as the table its CLI prints, for top_body: the same fields either way."""
    return "\n".join(" ".join(cells) for cells in [titles, *rows])


def ef_body(processes: list[list[str]]) -> dict[str, Any]:
    """podman's rows of the EF_DESCRIPTORS columns, cell by cell (its service's answer)."""
    return {
        "Titles": EF_TITLES,
        "Processes": [_ef_cells([c.strip() for c in p]) for p in processes],
    }


def _ef_row(header: str, line: str) -> list[str]:
    """Cut at the header's column starts (podman's STIME contains blanks)."""
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    ends = [*starts[1:], max(len(line), starts[-1])]
    return _ef_cells([line[a:b].strip() for a, b in zip(starts, ends, strict=True)])


def _ef_cells(cells: list[str]) -> list[str]:
    """`ps -ef`'s forms: STIME as HH:MM, C without decimals."""
    if len(cells) == len(EF_TITLES):
        match = _STIME.match(cells[4])
        if match:
            cells[4] = match[1]
        cells[3] = cells[3].split(".")[0]
    return cells
