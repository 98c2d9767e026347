"""dockershim: the Docker Engine API served rootless and daemonless over rootless Podman."""

__version__ = "0.1.0"
