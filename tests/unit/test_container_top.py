"""podman top output (captured from podman 4.3.1) -> Docker's top body."""

from __future__ import annotations

from dockershim.translate.container_top import ef_body, one_ps_args, rows_table, top_body
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


def test_the_service_rows_read_as_the_cli_table() -> None:
    """podman's service answers the same columns as rows of cells: the same Docker body as
    its CLI's table (captured from podman 4.3.1 for one container)."""
    table = (
        "USER        PID         PPID        %CPU        STIME                          TTY"
        "         TIME        COMMAND\n"
        "root        1           0           0.000       2026-12-07 20:07:22 +0000 UTC  ?"
        "           0s          sleep 301 \n"
        "root        6           1           0.000       2026-12-07 20:07:22 +0000 UTC  ?"
        "           0s          sleep 300 \n"
    )
    rows = [
        ["root", "1", "0", "0.000", "2026-12-07 20:07:22 +0000 UTC", "?", "0s", "sleep 301"],
        ["root", "6", "1", "0.000", "2026-12-07 20:07:22 +0000 UTC", "?", "0s", "sleep 300"],
    ]
    body = ef_body(rows)
    assert body == top_body(table, custom=False)
    assert body["Processes"][0] == ["root", "1", "0", "0", "20:07", "?", "0s", "sleep 301"]


def test_custom_rows_read_as_dockerd_reads_ps() -> None:
    """dockerd's parsePSOutput: fields split on blanks, the last column the rest joined by one
    blank; the service's rows (one cell per `ps` line, or psgo's cells, trimmed) read the same
    as the CLI's table (captured from podman 4.3.1: `top CT aux`, `top CT pid,user,args`)."""
    ps_table = "PID   USER     COMMAND\n    1 root     sleep 601\n    6 root     sh -c  x\tb\n"
    ps_rows = ["PID   USER     COMMAND"], [["1 root     sleep 601"], ["6 root     sh -c  x", "b"]]
    psgo_table = "PID         USER        COMMAND\n1           root        sleep 601 \n"
    psgo_rows = ["PID", "USER", "COMMAND"], [["1", "root", "sleep 601"]]
    for table, (titles, rows) in ((ps_table, ps_rows), (psgo_table, psgo_rows)):
        body = top_body(table, custom=True)
        assert top_body(rows_table(titles, rows), custom=True) == body
        assert body["Titles"] == ["PID", "USER", "COMMAND"]
        assert body["Processes"][0] == ["1", "root", "sleep 601"]
    assert top_body(ps_table, custom=True)["Processes"][1] == ["6", "root", "sh -c x b"]
    assert top_body("A B C\n1 2\n", custom=True)["Processes"] == [["1", "2"]]


def test_one_ps_args_string_does_what_the_words_do() -> None:
    """Top() tries psgo with every comma-separated part, else runs `ps` with each string
    shlex-split: one word is itself; psgo's parts alone join with commas; other words join
    with blanks when shlex gives them back unchanged; else there is no such string."""
    assert one_ps_args(["aux"]) == "aux"
    assert one_ps_args(["pid", "user,args"]) == "pid,user,args"
    assert one_ps_args(["%p", "comm"]) == "%p,comm"
    assert one_ps_args(["-o", "pid,comm"]) == "-o pid,comm"
    assert one_ps_args(["-eo", "pid=ID,user"]) == "-eo pid=ID,user"
    assert one_ps_args(["pid", "aux"]) == "pid aux"  # aux is not psgo's: both run ps
    for quoted in (["-o", "'pid'"], ["-o", 'a"b'], ["-o", "a\\b"], ["-o", "#x"]):
        assert one_ps_args(quoted) is None
