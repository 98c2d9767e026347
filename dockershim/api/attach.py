"""Container attach (hijacked) and resize (issue 4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
