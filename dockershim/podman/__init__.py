"""The one place where dockershim starts processes (podman and its helpers)."""

from dockershim.podman.runner import Completed, PodmanRunner, SpawnedProcess

__all__ = ["Completed", "PodmanRunner", "SpawnedProcess"]
