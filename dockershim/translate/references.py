"""Image references as Docker understands them, and the names podman must be given.

Docker: `busybox` = `docker.io/library/busybox:latest`; `user/app` = `docker.io/user/app:latest`;
the first component is a registry host when it contains "." or ":" or is "localhost".
podman keeps images it built or imported without a registry as `localhost/NAME`; Docker shows
those as plain `NAME`, so `familiar()` strips both `docker.io/library/` and `localhost/`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from dockershim.errors import InvalidParameter

DEFAULT_REGISTRY = "docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = (
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])"
    r"(?::[0-9]+)?"
)
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


def registry_host(server: str) -> str:
    """A registry address as clients send it (`https://index.docker.io/v1/`, `host:5000`) ->
    the host key podman's auth file and references use (`docker.io`, `host:5000`)."""
    host = server.strip()
    for scheme in ("https://", "http://"):
        host = host.removeprefix(scheme)
    host = host.split("/", 1)[0]
    if host in ("", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        return DEFAULT_REGISTRY
    return host


def is_loopback_registry(host: str) -> bool:
    """dockerd treats 127.0.0.0/8 (and localhost) as insecure registries: plain HTTP."""
    if host.startswith("["):
        name = host[1:].partition("]")[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name == "localhost":
        return True
    try:  # the address range, not a name that merely starts like one (127.attacker.example)
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def tls_args(host: str) -> list[str]:
    return ["--tls-verify=false"] if is_loopback_registry(host) else []


def candidates(text: str) -> list[str]:
    """Names to try, in order, for an image reference from a client: Docker's normalised name,
    then podman's `localhost/` form for images built/imported/tagged without a registry."""
    if looks_like_id(text):
        ids = [text.removeprefix("sha256:")]
        if text.startswith("sha256:") or len(text) == 64:
            return ids
        return ids + candidates_by_name(text)
    return candidates_by_name(text)


def candidates_by_name(text: str) -> list[str]:
    ref = parse_reference(text)
    names = [ref.full()]
    if ref.registry == DEFAULT_REGISTRY and not _explicit_registry(text):
        path = ref.path.removeprefix("library/") if "/" not in text.split(":")[0] else ref.path
        local = f"localhost/{path}"
        if ref.tag or not ref.digest:
            local += f":{ref.tag or 'latest'}"
        if ref.digest:
            local += f"@{ref.digest}"
        names.append(local)
    return names


def _explicit_registry(text: str) -> bool:
    first, sep, _ = text.partition("/")
    return bool(sep) and ("." in first or ":" in first or first == "localhost")


def docker_name(ref: Reference) -> str:
    """How dockerd names a reference in progress messages: `busybox:latest`, `user/app:v1`,
    `127.0.0.1:5000/x:latest`."""
    return familiar(ref.full())


def missing_name(image: str) -> str:
    """How dockerd names an image it does not have ("No such image: X"): a name with its tag
    (`busybox:latest`), a digest reference as given, a 64-digit id as `sha256:ID`."""
    if re.fullmatch(r"[0-9a-f]{64}", image):
        return f"sha256:{image}"
    try:
        return parse_reference(image).familiar()
    except InvalidParameter:
        return image


def create_candidates(image: str) -> tuple[list[str], str]:
    """The names to look for, in order, of the image a container create names (an id, the full
    name, podman's `localhost/NAME` for a Docker Hub name), and the name errors show."""
    if not image:
        raise InvalidParameter("Config.Image: an image name is required")
    names: list[str] = []
    if looks_like_id(image):
        names.append(image.removeprefix("sha256:"))
    try:
        ref = parse_reference(image)
    except InvalidParameter:
        if not names:
            raise
    else:
        names.append(ref.full())
        if ref.registry == "docker.io" and not ref.digest:
            path = ref.path.removeprefix("library/")
            names.append(f"localhost/{path}:{ref.tag or 'latest'}")
    return names, missing_name(image)


def local_name(data: dict[str, Any], name: str) -> str:
    """The exact name podman knows the image by (its inspect JSON), matching what the client
    asked for; the id when no tag matches."""
    wanted = candidates(name)
    for tag in data.get("RepoTags") or []:
        if tag in wanted:
            return str(tag)
    return str(data["Id"])
