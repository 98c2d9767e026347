"""Exec routes: create, start (hijacked), resize, inspect (issue 4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
