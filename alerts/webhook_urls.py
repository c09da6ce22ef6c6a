"""The rule for a webhook URL (no model here: ``alerts.models`` checks on save with it,
``alerts.webhooks`` again before every request).

https only (http only with DEBUG); with DEBUG off, a host that is, or resolves to, a
private, loopback, link-local or otherwise non-public address is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

Resolver = Callable[[str], list[str]]


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def validate_webhook_url(
    url: str, *, debug: bool | None = None, resolve: Resolver = resolve_host
) -> None:
    """Raise ValidationError unless ``url`` may receive alerts: https (http only with
    DEBUG); in production (DEBUG off) no host that is, or resolves to, a private,
    loopback, link-local or otherwise non-public address."""
    debug = settings.DEBUG if debug is None else debug
    parts = urlsplit(url)
    if parts.scheme != "https" and not (debug and parts.scheme == "http"):
        raise ValidationError("a webhook URL must be https (http only in development)")
    host = parts.hostname
    if not host:
        raise ValidationError("a webhook URL needs a host")
    if parts.username or parts.password:
        raise ValidationError("no credentials in the URL's host part")
    if debug:
        return  # development: loopback receivers (a local chat bridge, the tests) are fine
    try:
        addresses = [host] if _is_ip(host) else resolve(host)
    except OSError as exc:
        raise ValidationError(f"the webhook host {host} does not resolve") from exc
    if not addresses or any(refused_address(a) for a in addresses):
        raise ValidationError(
            f"the webhook host {host} is (or resolves to) a private, loopback or link-local address"
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_of(url: str) -> str:
    """What may be logged of a webhook URL."""
    return urlsplit(url).hostname or "?"
