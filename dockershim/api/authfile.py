"""Registry credentials from clients -> a private podman auth file, for one podman call.

Docker clients send credentials only in headers: `X-Registry-Auth` (base64url JSON with
username/password/serveraddress or identitytoken; `{}` or nothing means anonymous) and, for
builds, `X-Registry-Config` (base64url JSON mapping registry -> the same objects). We write them
as a containers-auth.json file (mode 0600, in a 0700 directory under the service's state
directory), pass it with `--authfile`, and remove it afterwards. Credentials are never logged
and never put in argv.

The auth file is always passed, empty when anonymous, so podman never falls back to credentials
the user stored with `podman login`: as with dockerd, only what the client sent counts.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.translate.references import registry_host
from dockershim.translate.validate import loads


def _decode(header: str) -> Any:
    raw = header.strip()
    if not raw:
        return {}
    padded = raw + "=" * (-len(raw) % 4)
    try:
        text = base64.b64decode(padded.encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        try:
            text = base64.b64decode(padded.encode(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidParameter("invalid X-Registry-Auth header: not base64") from None
    return loads(text, "X-Registry-Auth header") if text.strip() else {}


def _entry(config: dict[str, Any]) -> dict[str, str] | None:
    token = config.get("identitytoken") or config.get("IdentityToken")
    if token:
        return {"identitytoken": str(token)}
    user = config.get("username") or config.get("Username") or ""
    password = config.get("password") or config.get("Password") or ""
    if config.get("auth") and not user:
        return {"auth": str(config["auth"])}
    if not user and not password:
        return None
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"auth": encoded}


def auths_from_auth_header(header: str | None, default_host: str) -> dict[str, dict[str, str]]:
    """`X-Registry-Auth` -> `{"host": {"auth": ...}}` (empty for anonymous)."""
    data = _decode(header or "")
    if not isinstance(data, dict):
        raise InvalidParameter("invalid X-Registry-Auth header: expected a JSON object")
    entry = _entry(data)
    if entry is None:
        return {}
    server = str(data.get("serveraddress") or data.get("ServerAddress") or "")
    host = registry_host(server) if server else default_host
    auths = {host: entry}
    if host != default_host:
        # The CLI names the registry it resolved; podman looks credentials up by the image's host.
        auths.setdefault(default_host, entry)
    return auths


def basic_credentials(header: str | None, registry: str) -> dict[str, str]:
    """The client's credentials per registry host (base64 `user:password`), from the
    `X-Registry-Auth` of a request for `registry`, for a registry asked directly
    (engine/registry_http.py); a malformed value fails here rather than at the registry."""
    found: dict[str, str] = {}
    for host, entry in auths_from_auth_header(header, registry).items():
        if auth := entry.get("auth"):
            try:
                base64.b64decode(auth, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidParameter(
                    "invalid X-Registry-Auth header: auth is not base64"
                ) from None
            found[host] = auth
    return found


def auths_from_config_header(header: str | None) -> dict[str, dict[str, str]]:
    """`X-Registry-Config` (build) -> auth entries for every registry it names."""
    data = _decode(header or "")
    if not isinstance(data, dict):
        raise InvalidParameter("invalid X-Registry-Config header: expected a JSON object")
    auths: dict[str, dict[str, str]] = {}
    for server, config in data.items():
        if isinstance(config, dict):
            entry = _entry(config)
            if entry is not None:
                auths[registry_host(str(server))] = entry
    return auths


def _private_dir(state_dir: str) -> str:
    path = os.path.join(state_dir, "auth")
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


@contextlib.contextmanager
def auth_file(auths: dict[str, dict[str, str]], state_dir: str) -> Iterator[str]:
    """A 0600 auth file holding `auths` in `state_dir`/auth (0700), removed when the block
    ends (also on errors)."""
    fd, path = tempfile.mkstemp(prefix="auth-", suffix=".json", dir=_private_dir(state_dir))
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump({"auths": auths}, handle)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
