"""Pure translation between Docker's API shapes and podman's argv and JSON (no I/O)."""
