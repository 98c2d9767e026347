"""Pure network translation, against podman 4.3.1 output captured in tests/fixtures/podman."""

from __future__ import annotations

import json

import pytest

from dockershim.errors import Forbidden, InvalidParameter, NotFound
from dockershim.translate import network_endpoints as te
from dockershim.translate import networks as tn
from tests.fakes import fixture_json


def _by_name(name: str) -> dict[str, object]:
    nets: list[dict[str, object]] = fixture_json("network-ls.json")
    return next(n for n in nets if n["name"] == name)


def test_default_network_is_bridge() -> None:
    net = tn.network_to_docker(_by_name("podman"))
    assert net["Name"] == "bridge"
    assert net["Driver"] == "bridge"
    assert net["IPAM"]["Config"] == [{"Subnet": "10.88.0.0/16", "Gateway": "10.88.0.1"}]
    assert net["Scope"] == "local"
    assert net["Containers"] == {}


def test_podman_network_shape_and_labels() -> None:
    net = tn.network_to_docker(_by_name("capnet1"))
    assert net["Labels"] == {"a": "b", "com.docker.compose.project": "x"}
    assert net["Internal"] is True
    assert net["Options"] == {"com.docker.network.driver.mtu": "1400"}
    pool = net["IPAM"]["Config"][0]
    assert pool == {"Subnet": "10.77.0.0/24", "Gateway": "10.77.0.254", "IPRange": "10.77.0.128/26"}


def test_ipv6_network() -> None:
    net = tn.network_to_docker(_by_name("capnet2"))
    assert net["EnableIPv6"] is True
    assert [c["Subnet"] for c in net["IPAM"]["Config"]] == [
        "10.89.0.0/24",
        "fd5b:18e2:ed72:153::/64",
    ]


def test_create_argv_translates_fields() -> None:
    argv = tn.create_argv(
        {
            "Name": "n1",
            "Driver": "bridge",
            "Internal": True,
            "EnableIPv6": False,
            "Attachable": True,
            "IPAM": {
                "Driver": "default",
                "Config": [
                    {"Subnet": "10.5.0.0/24", "Gateway": "10.5.0.1", "IPRange": "10.5.0.0/25"}
                ],
                "Options": {},
            },
            "Options": {"com.docker.network.driver.mtu": "1400"},
            "Labels": {"com.docker.compose.network": "default"},
            "CheckDuplicate": True,
        }
    )
    assert argv[:4] == ["network", "create", "--driver", "bridge"]
    assert argv[-2:] == ["--", "n1"]
    assert "--internal" in argv
    assert "--ipv6" not in argv
    assert argv[argv.index("--subnet") + 1] == "10.5.0.0/24"
    assert argv[argv.index("--gateway") + 1] == "10.5.0.1"
    assert argv[argv.index("--ip-range") + 1] == "10.5.0.0/25"
    assert "mtu=1400" in argv
    assert "com.docker.compose.network=default" in argv
    hidden = next(a for a in argv if a.startswith(tn.HIDDEN_LABEL + "="))
    data = json.loads(hidden.split("=", 1)[1])
    assert data == {
        "Attachable": True,
        "IPRanges": ["10.5.0.0/25"],
        "Options": {"com.docker.network.driver.mtu": "1400"},
    }


def test_hidden_label_round_trips_and_stays_hidden() -> None:
    raw = dict(_by_name("capnet3"))
    raw["labels"] = {
        "k": "v",
        tn.HIDDEN_LABEL: json.dumps({"Options": {"com.docker.network.bridge.enable_icc": "true"}}),
    }
    net = tn.network_to_docker(raw)
    assert net["Labels"] == {"k": "v"}
    assert net["Options"] == {"com.docker.network.bridge.enable_icc": "true"}


def test_docker_default_options_accepted_others_refused() -> None:
    tn.create_argv({"Name": "n", "Options": {"com.docker.network.bridge.enable_icc": "true"}})
    with pytest.raises(InvalidParameter, match="enable_icc=false"):
        tn.create_argv({"Name": "n", "Options": {"com.docker.network.bridge.enable_icc": "false"}})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"Name": "bridge"}, Forbidden),
        ({"Name": "host"}, Forbidden),
        ({"Name": ""}, InvalidParameter),
        ({"Name": "a/b"}, InvalidParameter),
        ({"Name": "n", "Driver": "overlay"}, NotFound),
        ({"Name": "n", "IPAM": {"Driver": "dhcp"}}, NotFound),
        ({"Name": "n", "Ingress": True}, InvalidParameter),
        ({"Name": "n", "ConfigFrom": {"Network": "x"}}, InvalidParameter),
        ({"Name": "n", "IPAM": {"Config": [{"Subnet": "bogus"}]}}, InvalidParameter),
        (
            {
                "Name": "n",
                "IPAM": {
                    "Config": [{"Subnet": "10.1.0.0/24", "AuxiliaryAddresses": {"a": "10.1.0.5"}}]
                },
            },
            InvalidParameter,
        ),
        ({"Name": "n", "Labels": {"io.dockershim.network": "x"}}, InvalidParameter),
    ],
)
def test_create_refusals(body: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        tn.create_argv(body)


def test_builtin_networks() -> None:
    host = tn.builtin_by_ref("host")
    assert host is not None and host["Driver"] == "host"
    none = tn.builtin_by_ref(tn.builtin_id("none")[:12])
    assert none is not None and none["Name"] == "none" and none["Driver"] == "null"
    assert tn.builtin_by_ref("bridge") is None
    assert tn.to_podman_name("bridge") == "podman"
    assert tn.to_docker_name("podman") == "bridge"


def test_endpoints_from_container_inspect() -> None:
    net = tn.network_to_docker(fixture_json("network-inspect.json")[0])
    ctrs = fixture_json("network-container-inspect.json")
    eps = te.endpoints(net, ctrs)
    ((cid, ep),) = eps.items()
    assert cid == ctrs[0]["Id"]
    assert ep["Name"] == "capc"
    assert ep["IPv4Address"].startswith("10.92.0.") and ep["IPv4Address"].endswith("/24")
    assert ep["MacAddress"]
    assert len(ep["EndpointID"]) == 64


def test_list_filters() -> None:
    nets = [tn.network_to_docker(n) for n in fixture_json("network-ls.json")]
    nets += [tn.builtin_network("host"), tn.builtin_network("none")]

    def names(filters: dict[str, list[str]], in_use: set[str] | None = None) -> set[str]:
        return {n["Name"] for n in nets if tn.network_matches(n, filters, in_use or set())}

    assert names({"type": ["builtin"]}) == {"bridge", "host", "none"}
    assert names({"type": ["custom"]}) == {"capnet1", "capnet2", "capnet3"}
    assert names({"name": ["net1"]}) == {"capnet1"}
    assert names({"label": ["a=b"]}) == {"capnet1"}
    assert names({"driver": ["null"]}) == {"none"}
    assert names({"dangling": ["true"]}, {"capnet3"}) == {"capnet1", "capnet2"}
    assert names({"dangling": ["false"]}, {"capnet3"}) == {"bridge", "host", "none", "capnet3"}
    assert names({"id": ["d97148db"]}) == {"capnet1"}
    with pytest.raises(InvalidParameter):
        names({"bogus": ["x"]})


def test_a_connect_as_argv_and_as_libpods_body() -> None:
    wanted = te.network_connect(
        "bridge",
        {
            "Container": "c1",
            "EndpointConfig": {
                "Aliases": ["a1", "a2,a3"],
                "IPAMConfig": {"IPv4Address": "10.1.0.9", "IPv6Address": "fd00::9"},
            },
        },
    )
    assert wanted.argv() == [
        "network", "connect", "--alias", "a1", "--alias", "a2,a3", "--ip", "10.1.0.9",
        "--ip6", "fd00::9", "--", "podman", "c1",
    ]  # fmt: skip
    # the CLI's --alias is a string slice: it splits at commas, and so does the body
    assert wanted.spec() == {
        "container": "c1",
        "aliases": ["a1", "a2", "a3"],
        "static_ips": ["10.1.0.9", "fd00::9"],
    }
    assert te.network_connect("n", {"Container": "c"}).spec() == {"container": "c"}
    with_mac = te.network_connect("n", {"Container": "c", "EndpointConfig": {"MacAddress": "x"}})
    assert with_mac.spec() is None and with_mac.argv()[-4:] == ["x", "--", "n", "c"]
    with pytest.raises(InvalidParameter):
        te.network_connect("n", {"Container": "-rf"})
    with pytest.raises(InvalidParameter):
        te.network_connect(
            "n", {"Container": "c", "EndpointConfig": {"IPAMConfig": {"IPv4Address": "x"}}}
        )
    with pytest.raises(InvalidParameter):
        te.network_connect("n", {"Container": "c", "EndpointConfig": ["x"]})


def test_links_become_host_entries() -> None:
    assert te.parse_link("/web:/client/db") == ("web", "db")
    assert te.parse_link("web") == ("web", "web")
    with pytest.raises(InvalidParameter):
        te.parse_link("-x:y")
    inspected = fixture_json("network-container-inspect.json")[0]
    ips = te.preferred_addresses(inspected, ["capnet"])
    assert ips and ips[0].startswith("10.92.0.")
    argv = te.link_host_args(["capc:db", "gone"], {"capc": ips, "gone": []}, ["capnet"])
    assert argv == ["--add-host", f"db:{ips[0]}", "--add-host", f"capc:{ips[0]}"]
