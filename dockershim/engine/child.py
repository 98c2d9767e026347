"""A running podman child as routes and the stream layer see it: its pipes (or pseudo-terminal)
to read and write, `wait()` and `close()`. Only the engine starts one (podman/runner.py)."""

from dockershim.podman.runner import SpawnedProcess as Child

__all__ = ["Child"]
