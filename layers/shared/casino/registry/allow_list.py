"""IP allow-lists of operators and providers: one rule for both."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence


def checked(networks: Sequence[str] | None, *, field: str = "allowed_ips") -> tuple[str, ...]:
    """The networks of a registration, each an IP address or network; else a validation error."""
    from casino.errors import ValidationFailed  # noqa: PLC0415

    for network in networks or ():
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValidationFailed(f"{field}: {network!r} is not an IP address or network", field=field) from None
    return tuple(networks or ())


def allows(networks: Sequence[str], source_ip: str) -> bool:
    """No list: any address. A list: the caller's address must be in one of its networks."""
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
