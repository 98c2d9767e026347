"""Container routes: create, lifecycle, inspect, list, logs, wait, remove, prune, top (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
