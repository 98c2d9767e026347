from __future__ import annotations

from typing import Any

from dockershim.translate.endpoint_echo import ANN_ENDPOINTS, echo_endpoints, endpoints_annotation


def _body() -> dict[str, Any]:
    nets = {
        "n1": {
            "IPAMConfig": None,
            "Links": None,
            "DriverOpts": None,
            "Aliases": ["web", "0123456789ab"],
        }
    }
    return {"Id": "0123456789ab" + "c" * 52, "NetworkSettings": {"Networks": nets}}


def test_sent_endpoint_fields_shown_back() -> None:
    sent = {"IPAMConfig": {"IPv4Address": "10.1.0.5"}, "Links": ["db:d"], "DriverOpts": {"k": "v"}}
    value = endpoints_annotation({"EndpointsConfig": {"n1": {**sent, "Aliases": ["web"]}}})
    assert value is not None
    body = _body()
    echo_endpoints(body, {ANN_ENDPOINTS: value}, (1, 45))
    net = body["NetworkSettings"]["Networks"]["n1"]
    assert {k: net[k] for k in sent} == sent
    assert net["Aliases"] == ["web"]  # no short id from 1.45 on


def test_short_id_alias_before_1_45() -> None:
    body = _body()
    echo_endpoints(body, {}, (1, 44))
    assert body["NetworkSettings"]["Networks"]["n1"]["Aliases"] == ["web", "0123456789ab"]
    assert endpoints_annotation({"EndpointsConfig": {"n1": {"Aliases": ["x"]}}}) is None
