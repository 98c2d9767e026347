"""Byte-stream formats: Docker's 8-byte multiplexing, JSON lines, the attach/exec pump."""
