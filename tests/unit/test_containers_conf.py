"""containers.conf as podman 4.3 merges it, for what its CLI puts in a create
(podman/containers_conf.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockershim.podman.containers_conf import config_files, events_log_path, image_volume_mode


@pytest.fixture
def system(tmp_path: Path) -> list[str]:
    share = tmp_path / "usr-share.conf"
    etc = tmp_path / "etc.conf"
    share.write_text('[engine]\nimage_volume_mode = "bind"\n')
    etc.write_text("[containers]\nlog_size_max = -1\n")
    (tmp_path / "etc.conf.d").mkdir()
    return [str(share), str(etc)]


def _user_home(tmp_path: Path) -> Path:
    folder = tmp_path / "home" / ".config" / "containers"
    folder.mkdir(parents=True)
    return folder


def test_files_in_podmans_order(tmp_path: Path, system: list[str]) -> None:
    (tmp_path / "etc.conf.d" / "b.conf").write_text("")
    (tmp_path / "etc.conf.d" / "a.conf").write_text("")
    (tmp_path / "etc.conf.d" / "notes.txt").write_text("")
    user = _user_home(tmp_path)
    (user / "containers.conf").write_text("")
    (user / "containers.conf.d").mkdir()
    (user / "containers.conf.d" / "z.conf").write_text("")
    env = {"HOME": str(tmp_path / "home")}
    names = [p.name for p in config_files(env, root=False, system=system)]
    assert names == ["usr-share.conf", "etc.conf", "a.conf", "b.conf", "containers.conf", "z.conf"]
    # root reads no user file; XDG_CONFIG_HOME moves the user's; CONTAINERS_CONF replaces all
    assert len(config_files(env, root=True, system=system)) == 4
    elsewhere = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "none")}
    assert len(config_files(elsewhere, root=False, system=system)) == 4
    only = {**env, "CONTAINERS_CONF": str(tmp_path / "only.conf")}
    assert config_files(only, root=False, system=system) == [tmp_path / "only.conf"]


@pytest.mark.parametrize(
    ("user_setting", "sent"),
    [
        (None, "anonymous"),  # containers/common's default, bind, which the CLI sends so
        ('image_volume_mode = "tmpfs"', "tmpfs"),
        ('image_volume_mode = "ignore"', "ignore"),
        ('image_volume_mode = ""', "anonymous"),
        ('image_volume_mode = "Tmpfs"', None),  # values podman would refuse: the CLI says so
        ("image_volume_mode = 3", None),
        ("image_volume_mode = [", None),  # not TOML
    ],
)
def test_the_last_file_that_sets_the_image_volume_mode_wins(
    tmp_path: Path, system: list[str], user_setting: str | None, sent: str | None
) -> None:
    user = _user_home(tmp_path)
    if user_setting is not None:
        (user / "containers.conf").write_text(f"[engine]\n{user_setting}\n")
    files = config_files({"HOME": str(tmp_path / "home")}, root=False, system=system)
    assert image_volume_mode(files) == sent


def test_a_drop_in_overrides_the_file_it_belongs_to(tmp_path: Path, system: list[str]) -> None:
    (tmp_path / "etc.conf.d" / "volumes.conf").write_text('[engine]\nimage_volume_mode="tmpfs"\n')
    files = config_files({"HOME": str(tmp_path / "nobody")}, root=False, system=system)
    assert image_volume_mode(files) == "tmpfs"
    user = _user_home(tmp_path)
    (user / "containers.conf").write_text('[engine]\nimage_volume_mode = "ignore"\n')
    files = config_files({"HOME": str(tmp_path / "home")}, root=False, system=system)
    assert image_volume_mode(files) == "ignore"


def test_where_podmans_event_log_is(tmp_path: Path) -> None:
    """`events_logfile_path`, else `events/events.log` in `tmp_dir`, else in the rootless
    default `$XDG_RUNTIME_DIR/libpod/tmp`; the last file that sets a key wins; a value podman
    may expand, or a file it cannot read: None (podman is asked)."""
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"
    first.write_text("[engine]\ntmp_dir = '/srv/tmp'\n")
    second.write_text("[containers]\nlog_driver = 'k8s-file'\n")
    assert events_log_path([], "/run/user/7") == "/run/user/7/libpod/tmp/events/events.log"
    assert events_log_path([first, second], "/run/user/7") == "/srv/tmp/events/events.log"
    second.write_text("[engine]\nevents_logfile_path = '/var/log/ev.log'\n")
    assert events_log_path([first, second], "/run/user/7") == "/var/log/ev.log"
    second.write_text("[engine]\ntmp_dir = '$HOME/tmp'\n")
    assert events_log_path([first, second], "/run/user/7") is None
    second.write_text("[engine\n")
    assert events_log_path([first, second], "/run/user/7") is None
    assert events_log_path([], "") is None  # no runtime dir: no default to derive
