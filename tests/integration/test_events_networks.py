"""Network events name the network by its id, as dockerd's do (podman's events carry only the
name; engine/events.py looks the id up from the networks the engine knows)."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Cleanup


def test_network_events_carry_the_network_id(dclient: Any, cleanup: Cleanup) -> None:
    name = cleanup.name("evnet")
    cleanup.networks.append(name)
    network = dclient.networks.create(name)
    container = dclient.containers.create("busybox", name=cleanup.container())
    since = int(time.time()) - 1
    network.connect(container)
    until = int(time.time()) + 1
    time.sleep(1.1)  # `until` must be in the past for a history-only answer
    events = list(
        dclient.api.events(since=since, until=until, filters={"type": "network"}, decode=True)
    )
    connected = [e for e in events if e.get("Action") == "connect"]
    assert connected, events
    assert connected[-1]["Actor"]["ID"] == network.id
    assert connected[-1]["Actor"]["Attributes"]["name"] == name
