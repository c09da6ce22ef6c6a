"""The client's address: X-Forwarded-For is believed only from a trusted proxy.

Login throttling (django-axes) and the /metrics network restriction key on this
address. A request that did not come from one of TRUSTED_PROXIES is keyed on its TCP
peer (REMOTE_ADDR), whatever X-Forwarded-For it carries, so a forged header cannot
dodge a lockout. Through trusted proxies the header is read from the right (the
entries the proxies appended) and the first address that is not itself a trusted
proxy is the client; anything left of it was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(name: str, values: Iterable[str]) -> list[Network]:
    """CIDRs (or single addresses) from a setting; ValueError names the bad entry."""
    networks: list[Network] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValueError(f"{name}: {value!r} is not an address or CIDR network") from exc
    return networks


def in_networks(address: str, networks: Iterable[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address a request is counted against (AXES_CLIENT_IP_CALLABLE)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXIES
    if not proxies or not in_networks(remote, proxies):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:  # garbage in the header: count it against the proxy itself
            return remote
        if not in_networks(hop, proxies):
            return hop
    return remote
