"""The doctor's parsing and verdicts, from captured host data (this host's mountinfo, podman
4.3.1's `info` in tests/fixtures/podman/info.json)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from dockershim import doctor

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "podman"

HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
UNIFIED = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
LEGACY = HYBRID.splitlines()[0] + "\n" + HYBRID.splitlines()[1] + "\n"


def test_cgroup_modes() -> None:
    assert doctor.cgroup_mode(HYBRID) == "hybrid"
    assert doctor.cgroup_mode(UNIFIED) == "unified"
    assert doctor.cgroup_mode(LEGACY) == "legacy"


def test_subids() -> None:
    text = "alice:100000:65536\nbob:165536:1000\n1003:200000:65536\n"
    assert doctor.check_subids("subuid", text, "alice", 1001, 0).level == "ok"
    assert doctor.check_subids("subuid", text, "carol", 1003, 0).level == "ok"  # by uid
    bad = doctor.check_subids("subuid", text, "bob", 1002, doctor.free_subid_start(text))
    assert bad.level == "problem"
    assert bad.fix.startswith(
        "sudo usermod --add-subuids 265536-331071 --add-subgids 265536-331071 bob"
    )


def test_captured_info_runc_is_fine_on_hybrid() -> None:
    info = json.loads((FIXTURES / "info.json").read_text())
    assert doctor.check_runtime(info, "hybrid", True, ("/c.conf", "")).level == "ok"


def test_crun_on_v1_needs_runc() -> None:
    info = {"host": {"ociRuntime": {"name": "crun"}}}
    assert doctor.check_runtime(info, "unified", False, ("/c.conf", "")).level == "ok"
    finding = doctor.check_runtime(info, "hybrid", False, ("/h/.config/containers/c.conf", ""))
    assert finding.level == "problem"
    assert finding.fix.startswith("sudo apt-get install runc && mkdir -p /h/.config/containers")


def test_runc_fix_keeps_the_file_valid(tmp_path: Path) -> None:
    cases = [
        "",
        '[engine]\nruntime = "crun"\nevents_logger = "file"\n',
        '[engine]\nevents_logger = "file"\n',
        '[containers]\nlog_driver = "k8s-file"\n',
    ]
    for i, text in enumerate(cases):
        conf = tmp_path / f"d{i}" / "containers.conf"
        if text:
            conf.parent.mkdir()
            conf.write_text(text)
        subprocess.run(["sh", "-c", doctor.runc_fix(str(conf), text)], check=True)
        lines = conf.read_text().splitlines()
        assert lines.count("[engine]") == 1, lines
        assert lines[lines.index("[engine]") + 1 :].count('runtime = "runc"') == 1, lines


def test_versions() -> None:
    assert doctor.check_version("podman version 4.3.1\n").level == "ok"
    assert doctor.check_version("podman version 3.0.1\n").level == "problem"


def test_runtime_dir(tmp_path: Path) -> None:
    uid = os.getuid()
    run = tmp_path / "run"
    run.mkdir(mode=0o755)
    os.chmod(run, 0o755)
    finding = doctor.check_runtime_dir({"XDG_RUNTIME_DIR": str(run)}, "me", uid)
    assert (finding.level, finding.fix) == ("problem", f"chmod 0700 {run}")
    os.chmod(run, 0o700)
    assert doctor.check_runtime_dir({"XDG_RUNTIME_DIR": str(run)}, "me", uid).level == "ok"
    assert doctor.check_runtime_dir({}, "me", uid).level == "problem"


def test_report_exit_code() -> None:
    lines: list[str] = []
    assert doctor.report([doctor.ok("fine"), doctor.note("hm")], lines.append) == 0
    assert doctor.report([doctor.problem("bad", "do this")], lines.append) == 1
    assert "PROBLEM  bad" in lines
    assert "  fix:   do this" in lines


def test_state_reads_direct_or_through_the_cli() -> None:
    bolt = {"host": {"databaseBackend": "boltdb"}, "store": {"graphRoot": "/s"}}
    seen: list[str] = []

    def readable(path: str) -> str | None:
        seen.append(path)
        return None

    assert doctor.check_state_reads(bolt, readable).level == "ok"
    assert seen == ["/s/libpod/bolt_state.db"]
    broken = doctor.check_state_reads(bolt, lambda _: "bad magic")
    assert broken.level == "note" and "bad magic" in broken.text and "podman CLI" in broken.text
    sqlite = {"host": {"databaseBackend": "sqlite"}, "store": {"graphRoot": "/s"}}
    assert "sqlite" in doctor.check_state_reads(sqlite, readable).text
    # podman 4.3 does not name its backend: BoltDB
    assert doctor.check_state_reads({"store": {"graphRoot": "/s"}}, readable).level == "ok"


def test_state_reads_on_a_real_podman_file(tmp_path: Path) -> None:
    from tests.fakes import FIXTURES

    root = tmp_path / "storage"
    (root / "libpod").mkdir(parents=True)
    (root / "libpod" / "bolt_state.db").write_bytes((Path(FIXTURES) / "bolt_state.db").read_bytes())
    info = {"store": {"graphRoot": str(root)}}
    assert doctor.check_state_reads(info, doctor._readable_state).level == "ok"
    (root / "libpod" / "bolt_state.db").write_bytes(b"SQLite format 3\0" + b"\0" * 8192)
    assert doctor.check_state_reads(info, doctor._readable_state).level == "note"


def test_dns_entries_of_removed_networks() -> None:
    folder = "/run/user/1000/containers/networks/aardvark-dns"
    kept = "10.89.0.1\n" + "a" * 64 + " 10.89.0.2  web,aaaaaaaaaaaa\n"
    fresh = "10.89.0.1\n" + "b" * 64 + " 10.89.0.2  db,bbbbbbbbbbbb\n"
    other = "10.89.1.1\n" + "c" * 64 + " 10.89.1.2  api,cccccccccccc\n"
    assert doctor.check_dns_leftovers(folder, {"app": fresh}, {"app", "podman"}).level == "ok"
    # the removed network's gateway is free again: a later network with it resolves nothing
    later = doctor.check_dns_leftovers(folder, {"gone": kept, "other": other}, {"other"})
    assert later.level == "note" and "(gone)" in later.text
    assert later.fix == f"rm {folder}/gone"
    # a network in use has the same gateway: its names do not resolve now
    clash = doctor.check_dns_leftovers(folder, {"gone": kept, "app": fresh}, {"app"})
    assert clash.level == "problem" and "gone shares a gateway" in clash.text
    assert clash.fix.startswith(f"rm {folder}/gone;")
