"""Image references as Docker understands them, and the names podman must be given.

Docker: `busybox` = `docker.io/library/busybox:latest`; `user/app` = `docker.io/user/app:latest`;
the first component is a registry host when it contains "." or ":" or is "localhost".
podman keeps images it built or imported without a registry as `localhost/NAME`; Docker shows
those as plain `NAME`, so `familiar()` strips both `docker.io/library/` and `localhost/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockershim.errors import InvalidParameter

DEFAULT_REGISTRY = "docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?:(?P<host>{_HOST})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}))?$"
)
_ID = re.compile(r"^(?:sha256:)?[0-9a-f]{4,64}$")


@dataclass(frozen=True)
class Reference:
    registry: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    def full(self) -> str:
        """The fully qualified form podman needs to avoid short-name resolution prompts."""
        out = self.repository
        if self.tag or not self.digest:
            out += f":{self.tag or 'latest'}"
        if self.digest:
            out += f"@{self.digest}"
        return out

    def familiar(self) -> str:
        return familiar(self.full())


def looks_like_id(text: str) -> bool:
    return bool(_ID.match(text))


def parse_reference(text: str) -> Reference:
    """Parse and normalise a Docker image reference; InvalidParameter when it is not one."""
    match = _REFERENCE.match(text or "")
    if not match or len(text) > 512:
        raise InvalidParameter(f"invalid reference format: {text!r}")
    host, path = match["host"], match["path"]
    if host is not None and not ("." in host or ":" in host or host == "localhost"):
        # "user/app": the first component is a Docker Hub namespace, not a host.
        path, host = f"{host}/{path}", None
    if host is None:
        host = DEFAULT_REGISTRY
    if host in ("index.docker.io", "registry-1.docker.io"):
        host = DEFAULT_REGISTRY
    if host == DEFAULT_REGISTRY and "/" not in path:
        path = f"library/{path}"
    if not re.fullmatch(r"[a-z0-9._/-]+", path):
        raise InvalidParameter(
            f"invalid reference format: repository name must be lowercase: {text!r}"
        )
    return Reference(host, path, match["tag"], match["digest"])


def familiar(name: str) -> str:
    """`docker.io/library/busybox:latest` -> `busybox:latest`; `localhost/x` -> `x`."""
    for prefix in ("docker.io/library/", "docker.io/", "localhost/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
