"""What `dockershim doctor` reports of each check (doctor.py, doctor_storage.py): a level, what
it found, and the exact fix where there is one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "note" or "problem"
    text: str
    fix: str = ""


def ok(text: str) -> Finding:
    return Finding("ok", text)


def note(text: str, fix: str = "") -> Finding:
    return Finding("note", text, fix)


def problem(text: str, fix: str) -> Finding:
    return Finding("problem", text, fix)
