"""The security settings read from the environment: bad values stop start-up loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.TRUSTED_PROXIES, s.METRICS_ALLOWED_NETWORKS, s.AXES_FAILURE_LIMIT, "
    "s.AXES_COOLOFF_TIME, s.WEBSOCKET_SESSION_CHECK_SECONDS, s.WEBSOCKET_RATE_PER_SECOND, "
    "s.WEBSOCKET_RATE_BURST, s.WEBSOCKET_MAX_SUBSCRIPTIONS, s.WEBSOCKET_MAX_SOCKETS_PER_USER)"
)
NAMES = (
    "TRUSTED_PROXIES",
    "METRICS_ALLOWED_NETWORKS",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_COOLOFF_MINUTES",
    "WEBSOCKET_SESSION_CHECK_SECONDS",
    "WEBSOCKET_RATE_PER_SECOND",
    "WEBSOCKET_RATE_BURST",
    "WEBSOCKET_MAX_SUBSCRIPTIONS",
    "WEBSOCKET_MAX_SOCKETS_PER_USER",
)


def load(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**clean, "DJANGO_SETTINGS_MODULE": "livescores.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_defaults_trust_no_proxy_and_serve_metrics_to_anyone() -> None:
    result = load()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "[]", "5", "0:15:00", "30.0", "5.0", "30", "50", "20"]


def test_networks_are_read_as_cidrs() -> None:
    result = load(TRUSTED_PROXIES="127.0.0.1/32, 10.0.0.0/8", METRICS_ALLOWED_NETWORKS="::1")
    assert result.returncode == 0, result.stderr
    assert (
        "IPv4Network('10.0.0.0/8')" in result.stdout and "IPv6Network('::1/128')" in result.stdout
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTED_PROXIES": "haproxy"}, "TRUSTED_PROXIES: 'haproxy' is not an address"),
        ({"METRICS_ALLOWED_NETWORKS": "10.0.0.0/33"}, "METRICS_ALLOWED_NETWORKS: '10.0.0.0/33'"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be > 0"),
        ({"LOGIN_COOLOFF_MINUTES": "soon"}, "LOGIN_COOLOFF_MINUTES"),
        ({"WEBSOCKET_SESSION_CHECK_SECONDS": "-5"}, "WEBSOCKET_SESSION_CHECK_SECONDS must be > 0"),
        ({"WEBSOCKET_RATE_PER_SECOND": "fast"}, "WEBSOCKET_RATE_PER_SECOND"),
        ({"WEBSOCKET_RATE_BURST": "0"}, "WEBSOCKET_RATE_BURST must be > 0"),
        ({"WEBSOCKET_MAX_SUBSCRIPTIONS": "many"}, "WEBSOCKET_MAX_SUBSCRIPTIONS"),
        ({"WEBSOCKET_MAX_SOCKETS_PER_USER": "0"}, "WEBSOCKET_MAX_SOCKETS_PER_USER must be > 0"),
    ],
)
def test_a_bad_security_setting_fails_loudly(env: dict[str, str], message: str) -> None:
    result = load(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
