"""Swarm, node, service, task, secret, config and plugin routes: answered as a non-swarm node (issue 7)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
