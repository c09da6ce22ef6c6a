"""/metrics restricted to networks (METRICS_ALLOWED_NETWORKS), behind proxies too."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

INTERNAL = [ipaddress.ip_network("10.0.0.0/8")]
PROXY = [ipaddress.ip_network("127.0.0.1/32")]


def scrape(peer: str, xff: str = "") -> int:
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return Client(REMOTE_ADDR=peer).get("/metrics", **headers).status_code  # type: ignore[arg-type]


def test_by_default_any_client_may_scrape() -> None:
    assert scrape("203.0.113.9") == 200


@override_settings(METRICS_ALLOWED_NETWORKS=INTERNAL, TRUSTED_PROXIES=[])
def test_only_the_allowed_networks_may_scrape() -> None:
    assert scrape("10.1.2.3") == 200
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")
    assert response.status_code == 403
    assert b"livescores" not in response.content  # nothing of the metrics leaks
    # A forged X-Forwarded-For from an untrusted peer changes nothing.
    assert scrape("203.0.113.9", xff="10.1.2.3") == 403


@override_settings(METRICS_ALLOWED_NETWORKS=INTERNAL, TRUSTED_PROXIES=PROXY)
def test_behind_a_trusted_proxy_the_real_client_decides() -> None:
    assert scrape("127.0.0.1", xff="10.1.2.3") == 200
    assert scrape("127.0.0.1", xff="203.0.113.9") == 403
    # The client put an internal address in front of its own: the proxy's entry counts.
    assert scrape("127.0.0.1", xff="10.1.2.3, 203.0.113.9") == 403
    # The proxy itself (no header) is not in the internal network either.
    assert scrape("127.0.0.1") == 403


@override_settings(METRICS_ALLOWED_NETWORKS=INTERNAL, METRICS_TOKEN="s3cret-token")
def test_network_and_token_both_apply() -> None:
    ok = Client(REMOTE_ADDR="10.1.2.3")
    assert ok.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert ok.get("/metrics").status_code == 401
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 403
