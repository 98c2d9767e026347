"""The doctor's storage verdicts (podman 4.3.1's captured `info`, vfs) and the printed switch:
its file edit, run by sh, leaves a storage.conf that TOML reads as overlay and keeps the rest."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

from dockershim import doctor_storage as ds

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "podman"
VFS_INFO = json.loads((FIXTURES / "info.json").read_text())


def test_vfs_where_overlay_works_says_so_with_the_cost_and_the_commands() -> None:
    finding = ds.check_storage(VFS_INFO, "native", ("/h/.config/containers/storage.conf", ""))
    assert finding.level == "note"
    assert "storage driver vfs" in finding.text and "overlay works on this host" in finding.text
    assert "pulled or built again" in finding.text
    assert finding.fix.startswith("podman system reset --force && mkdir -p /h/.config/containers")


def test_vfs_without_overlay_is_a_note_without_a_switch() -> None:
    finding = ds.check_storage(VFS_INFO, "", ("/c.conf", ""))
    assert finding.level == "note" and "not available" in finding.text
    assert "reset" not in finding.fix


def test_overlay_is_fine_and_names_its_kind() -> None:
    native = {"store": {"graphDriverName": "overlay", "graphOptions": {}}}
    fuse = {
        "store": {
            "graphDriverName": "overlay",
            "graphOptions": {"overlay.mount_program": {"Executable": ds.FUSE_OVERLAYFS}},
        }
    }
    assert ds.check_storage(native, "native", ("/c", "")).text == "storage driver overlay (native)"
    assert ds.check_storage(fuse, "fuse", ("/c", "")).text.endswith("(fuse-overlayfs)")


def test_storage_conf_path() -> None:
    assert ds.storage_conf_path({}, "/h") == "/h/.config/containers/storage.conf"
    assert ds.storage_conf_path({"XDG_CONFIG_HOME": "/x"}, "/h") == "/x/containers/storage.conf"
    assert ds.storage_conf_path({"CONTAINERS_STORAGE_CONF": "/s.conf"}, "/h") == "/s.conf"


def test_the_printed_edit_keeps_the_file_valid(tmp_path: Path) -> None:
    cases = [
        "",
        '[storage]\ndriver = "vfs"\ngraphroot = "/g"\n',
        '[storage]\nrunroot = "/r"\n\n[storage.options]\nadditionalimagestores = []\n',
        '# mine, 100% \\n\n[storage.options.overlay]\nmountopt = "nodev"\n',
    ]
    for i, text in enumerate(cases):
        for overlay in ("native", "fuse"):
            conf = tmp_path / f"d{i}{overlay}" / "it's storage.conf"
            if text:
                conf.parent.mkdir()
                conf.write_text(text)
            command = ds.switch_commands(str(conf), text, overlay)
            assert "\n" not in command  # one line to copy
            edit = command.split(" && ", 1)[1]  # the reset itself is podman's business
            subprocess.run(["sh", "-c", edit], check=True)
            got = tomllib.loads(conf.read_text())
            before = tomllib.loads(text)
            assert got["storage"]["driver"] == "overlay"
            overlay_opts = got["storage"].get("options", {}).get("overlay", {})
            assert (overlay_opts.get("mount_program") == ds.FUSE_OVERLAYFS) == (overlay == "fuse")
            for key, value in before.get("storage", {}).items():
                if key not in ("driver", "options"):
                    assert got["storage"][key] == value
            if "mountopt" in text:
                assert overlay_opts["mountopt"] == "nodev"
                assert conf.read_text().startswith("# mine, 100% \\n\n")
