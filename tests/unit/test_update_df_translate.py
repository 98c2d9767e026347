"""Container update flags and restart policy checks; system df from captured podman JSON."""

from __future__ import annotations

from typing import Any

import pytest

from dockershim.errors import Conflict, InvalidParameter
from dockershim.translate.system_df import (
    df_body,
    df_image,
    df_volume,
    image_users,
    volume_users,
)
from dockershim.translate.update import cgroup_warnings, restart_change, update_flags
from tests.fakes import fixture_json

# What the docker CLI 28 sends for `docker update -m 100m --cpus 1.5 c`: every field, zeros unset.
CLI_BODY = {
    "CpuShares": 0,
    "Memory": 104857600,
    "CgroupParent": "",
    "BlkioWeight": 0,
    "BlkioWeightDevice": None,
    "BlkioDeviceReadBps": None,
    "CpuPeriod": 0,
    "CpuQuota": 0,
    "CpusetCpus": "",
    "Devices": None,
    "KernelMemory": 0,
    "MemoryReservation": 0,
    "MemorySwap": 0,
    "MemorySwappiness": None,
    "NanoCpus": 1500000000,
    "OomKillDisable": None,
    "PidsLimit": None,
    "Ulimits": None,
    "RestartPolicy": {"Name": "", "MaximumRetryCount": 0},
}


def test_update_flags_from_cli_body() -> None:
    flags, fields = update_flags(CLI_BODY)
    assert flags == ["--memory=104857600b", "--cpus=1.5"]
    assert fields == ["Memory", "NanoCpus"]
    assert len(cgroup_warnings(fields)) == 2


def test_update_devices_and_refusals() -> None:
    flags, _ = update_flags({"BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1024}]})
    assert flags == ["--device-read-bps=/dev/sda:1024"]
    with pytest.raises(InvalidParameter, match="PidsLimit"):
        update_flags({"PidsLimit": 10})
    with pytest.raises(InvalidParameter, match="unknown field in update: Bogus"):
        update_flags({"Bogus": 1})
    with pytest.raises(InvalidParameter, match="Memory"):
        update_flags({"Memory": "lots"})


def test_restart_policy() -> None:
    current = {"Name": "", "MaximumRetryCount": 0}
    assert restart_change({"RestartPolicy": {"Name": "no"}}, current) is None  # same policy
    assert restart_change({}, current) is None
    # the docker CLI sends an empty RestartPolicy with every update: it changes nothing
    assert restart_change(CLI_BODY, {"Name": "always"}) is None
    assert restart_change({"RestartPolicy": {"Name": "always"}}, {"Name": "always"}) is None
    assert restart_change({"RestartPolicy": {"Name": "always"}}, current) == ("always", 0)
    assert restart_change({"RestartPolicy": {"Name": "no"}}, {"Name": "always"}) == ("no", 0)
    on_failure = {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}}
    assert restart_change(on_failure, {"Name": "on-failure"}) == ("on-failure", 2)
    assert restart_change(on_failure, {"Name": "on-failure", "MaximumRetryCount": 2}) is None
    with pytest.raises(InvalidParameter, match="unknown policy 'sometimes'"):
        restart_change({"RestartPolicy": {"Name": "sometimes"}}, current)
    with pytest.raises(InvalidParameter, match="on-failure"):
        restart_change({"RestartPolicy": {"Name": "always", "MaximumRetryCount": 3}}, current)
    with pytest.raises(InvalidParameter, match="negative"):
        restart_change({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": -1}}, current)
    with pytest.raises(InvalidParameter, match="MaximumRetryCount"):
        restart_change({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": "x"}}, current)


def test_restart_policy_with_auto_remove() -> None:
    current = {"Name": "no"}
    with pytest.raises(Conflict, match="AutoRemove is enabled") as info:
        restart_change({"RestartPolicy": {"Name": "always"}}, current, auto_remove=True)
    assert info.value.status == 409
    assert restart_change({"RestartPolicy": {"Name": "no"}}, current, auto_remove=True) is None


def _inspect(name: str) -> dict[str, Any]:
    data = fixture_json(name)
    return dict(data[0] if isinstance(data, list) else data)


def test_system_df_shapes() -> None:
    raws = [_inspect(f"container_inspect_{s}.json") for s in ("running", "shim", "exited")]
    image_id = raws[0]["Image"]
    users = image_users(raws)
    assert users[image_id] == 3 and volume_users(raws) == {"capvol": 1, "capvol2": 1}
    listed = fixture_json("df_images.json")[:1]
    images = [df_image(i, users[i["Id"]]) for i in listed]
    assert images[0]["Id"] == f"sha256:{image_id}" and images[0]["Containers"] == 3
    assert "busybox:latest" in images[0]["RepoTags"] and images[0]["SharedSize"] == 0
    assert "VirtualSize" not in images[0]
    assert df_image(listed[0], 0, api_version=(1, 41))["VirtualSize"] == images[0]["Size"]
    volumes = [df_volume(v, 10, 0) for v in fixture_json("volume_ls.json")]
    assert volumes[0]["UsageData"] == {"Size": 10, "RefCount": 0}
    assert volumes[0]["Name"] == "dfv" and "NeedsCopyUp" not in volumes[0]
    body = df_body(images, [{"Id": "c"}], volumes)
    assert body["LayersSize"] == 2131193
    assert body["BuildCache"] == []
    assert set(df_body(None, [], None)) == {"Containers", "BuildCache"}


def test_volume_users_count_containers_not_mounts() -> None:
    twice = {"Mounts": [{"Type": "volume", "Name": "v"}, {"Type": "volume", "Name": "v"}]}
    bind = {"Mounts": [{"Type": "bind", "Name": "", "Source": "/v"}]}
    assert volume_users([twice, bind, {"Mounts": None}]) == {"v": 1}
