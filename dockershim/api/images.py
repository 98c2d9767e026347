"""Image routes: pull/import, push, tag, remove, list, inspect, history, prune, save/load, search, commit, auth (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
