from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from dockershim.api import authfile
from dockershim.errors import InvalidParameter


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_auth_header_becomes_auth_entries() -> None:
    header = _b64({"username": "u", "password": "p", "serveraddress": "127.0.0.1:5001"})
    auths = authfile.auths_from_auth_header(header, "127.0.0.1:5001")
    assert auths == {"127.0.0.1:5001": {"auth": base64.b64encode(b"u:p").decode()}}
    hub = _b64({"username": "u", "password": "p", "serveraddress": "https://index.docker.io/v1/"})
    assert list(authfile.auths_from_auth_header(hub, "docker.io")) == ["docker.io"]
    token = _b64({"identitytoken": "tok"})
    assert authfile.auths_from_auth_header(token, "h") == {"h": {"identitytoken": "tok"}}


@pytest.mark.parametrize("anonymous", [None, "", _b64({}), "e30="])
def test_anonymous_headers(anonymous: str | None) -> None:
    assert authfile.auths_from_auth_header(anonymous, "docker.io") == {}


def test_bad_headers_are_400() -> None:
    with pytest.raises(InvalidParameter):
        authfile.auths_from_auth_header("!!!", "h")
    with pytest.raises(InvalidParameter):
        authfile.auths_from_auth_header(_b64([1]), "h")


def test_config_header_names_every_registry() -> None:
    header = _b64({"127.0.0.1:5001": {"username": "a", "password": "b"}, "x.io": {}})
    assert list(authfile.auths_from_config_header(header)) == ["127.0.0.1:5001"]


def test_auth_file_is_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with authfile.auth_file({"h": {"auth": "eDp5"}}) as path:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        assert json.loads(Path(path).read_text()) == {"auths": {"h": {"auth": "eDp5"}}}
    assert not os.path.exists(path)
    with pytest.raises(RuntimeError), authfile.auth_file({}) as path2:
        raise RuntimeError
    assert not os.path.exists(path2)
