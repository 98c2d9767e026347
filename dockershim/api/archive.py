"""docker cp: GET/HEAD/PUT /containers/{id}/archive, export, changes (issue 7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
