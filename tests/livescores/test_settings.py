from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHECK = "import django; django.setup(); from django.conf import settings; print(settings.FEED)"


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "livescores.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"POLL_INTERVAL_SECONDS": "ten"}, "POLL_INTERVAL_SECONDS"),
        ({"POLL_INTERVAL_SECONDS": "-1"}, "POLL_INTERVAL_SECONDS must be > 0"),
        ({"FEED": "espn"}, "FEED must be one of"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a redis:// URL"),
        ({"DEBUG": "false", "SECRET_KEY": ""}, "SECRET_KEY must be set"),
        # A read timeout at or near channels_redis' 5 s blocking pop drops idle sockets.
        ({"CHANNEL_LAYER_SOCKET_TIMEOUT": "5"}, "must exceed the layer's 5 s blocking pop"),
        ({"CHANNEL_LAYER": "memory"}, "CHANNEL_LAYER must be one of"),
    ],
)
def test_a_bad_setting_fails_loudly_at_start_up(env: dict[str, str], message: str) -> None:
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_good_settings_load() -> None:
    result = load_settings(FEED="live", POLL_INTERVAL_SECONDS="5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "live"
