"""The classic builder: POST /build and /build/prune (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
