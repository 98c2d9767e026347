"""IPAM AuxiliaryAddresses (pure): names for addresses the IPAM must never hand out.

podman cannot reserve single addresses; it only allocates from a pool's IPRange (or the whole
subnet). So an auxiliary address is accepted when it lies in the subnet but outside the range
podman allocates from, where it is reserved in effect; one inside the range is refused with a
message that says how to get there. Accepted ones are shown back in inspect as sent.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from dockershim.errors import InvalidParameter


def aux_addresses(pool: dict[str, Any]) -> dict[str, str]:
    """Validate one IPAM.Config pool's AuxiliaryAddresses (also spelled AuxAddress)."""
    aux = pool.get("AuxiliaryAddresses") or pool.get("AuxAddress") or {}
    if not isinstance(aux, dict):
        raise InvalidParameter("invalid value for AuxiliaryAddresses: expected an object")
    if not aux:
        return {}
    subnet = ipaddress.ip_network(str(pool.get("Subnet")), strict=False)
    ip_range = (
        ipaddress.ip_network(str(pool["IPRange"]), strict=False) if pool.get("IPRange") else None
    )
    out: dict[str, str] = {}
    for name, value in aux.items():
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            raise InvalidParameter(f"invalid auxiliary address {name}={value!r}") from None
        if address not in subnet:
            # dockerd's words for an address outside the pool
            raise InvalidParameter(
                f"invalid pool request: Aux address {value} is not in subnet {subnet}"
            )
        if ip_range is None or address in ip_range:
            raise InvalidParameter(
                f"auxiliary address {name}={value}: podman cannot reserve an address it may "
                "allocate; give the pool an IPRange that leaves it out"
            )
        out[str(name)] = str(address)
    return out
