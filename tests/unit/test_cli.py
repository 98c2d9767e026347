from __future__ import annotations

import pytest

from dockershim import cli


def test_refuses_root(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli.os, "geteuid", lambda: 0)
    assert cli.main(["serve", "--socket", "/nonexistent/never/used.sock"]) == 1
    assert "refusing to run as root" in capsys.readouterr().err
