"""podman top output (captured from podman 4.3.1) -> Docker's top body."""

from __future__ import annotations

from dockershim.translate.container_top import top_body
from tests.fakes import FIXTURES


def test_default_is_ps_ef_shape() -> None:
    body = top_body((FIXTURES / "container_top_ef.txt").read_text(), custom=False)
    assert body["Titles"] == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert body["Processes"] == [["root", "1", "0", "0", "04:14", "?", "0s", "sleep 100"]]


def test_custom_ps_args_split_like_dockerd() -> None:
    text = "PID   USER     COMMAND\n    1 root     sleep 100\n"
    assert top_body(text, custom=True) == {
        "Titles": ["PID", "USER", "COMMAND"],
        "Processes": [["1", "root", "sleep 100"]],
    }
