"""/healthz, /metrics, JSON logs and snapshot retention."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from games.models import Game, MinuteDifferential, Play, PollRun, Snapshot
from games.services import poll_scoreboard
from support.payloads import at_minute, board
from support.rows import StaticFeed

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_200_when_database_redis_and_the_last_poll_are_fine(redis_client: Any) -> None:
    poll_scoreboard(StaticFeed(board(at_minute(3.5, 5, 2))))

    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["poll"]["ok"] and body["checks"]["poll"]["age_seconds"] < 60
    # No play-by-play follow-up has run yet: nothing degraded.
    assert body["checks"]["plays"] == {"ok": True, "degraded": False, "last": None}


def test_healthz_is_503_when_the_last_poll_is_stale_or_redis_is_down(
    redis_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    PollRun.objects.create(
        started_at=timezone.now() - dt.timedelta(hours=1), feed="test", outcome="ok"
    )
    stale = Client().get("/healthz")
    assert stale.status_code == 503 and not stale.json()["checks"]["poll"]["ok"]
    assert Client().get("/healthz?poll=ignore").status_code == 200  # for load balancers

    def refuse() -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(redis_client, "ping", refuse)
    down = Client().get("/healthz?poll=ignore")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError: Connection refused",
    }


def test_metrics_expose_polls_games_predictions_and_connections(redis_client: Any) -> None:
    feed = StaticFeed(board(at_minute(3.5, 5, 2)), board(at_minute(4.5, 7, 2)))
    poll_scoreboard(feed)
    poll_scoreboard(feed)

    response = Client().get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert "livescores_poll_duration_seconds_count 2.0" in text
    assert 'livescores_poll_duration_seconds_bucket{le="+Inf"} 2.0' in text
    assert 'livescores_polls_total{outcome="ok"} 2.0' in text
    assert 'livescores_games_tracked{status="live"} 1.0' in text
    assert "livescores_predictions_total 0.0" in text
    assert "livescores_websocket_connections 0.0" in text
    assert "livescores_last_successful_poll_age_seconds" in text


def test_metrics_need_the_bearer_token_when_one_is_set(settings: Any, redis_client: Any) -> None:
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_log_format_json_writes_one_json_object_per_line() -> None:
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('games.services').warning('poll failed: %s', 'HTTP 503 refused')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "livescores.settings", "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "poll failed: HTTP 503 refused"
    assert (line["level"], line["logger"]) == ("WARNING", "games.services")
    assert "time" in line and "process" in line


def test_prune_snapshots_deletes_only_old_snapshots_and_poll_runs() -> None:
    feed = StaticFeed(*(board(at_minute(m + 0.5, m, 0)) for m in range(1, 6)))
    for _ in range(5):
        poll_scoreboard(feed)
    old = timezone.now() - dt.timedelta(days=40)
    ids = list(Snapshot.objects.order_by("observed_at").values_list("pk", flat=True)[:3])
    Snapshot.objects.filter(pk__in=ids).update(observed_at=old)
    PollRun.objects.filter(pk__in=PollRun.objects.order_by("started_at").values("pk")[:2]).update(
        started_at=old
    )
    minutes = MinuteDifferential.objects.count()
    now = timezone.now()
    Play.objects.bulk_create(
        Play(game_id=Game.objects.get().pk, action_number=n, order_number=n, period=1,
             elapsed_seconds=0, action_type="2pt", first_seen=seen, updated_at=seen)
        for n, seen in [(1, old), (2, now)]
    )  # fmt: skip

    dry = StringIO()
    call_command("prune_snapshots", "--older-than-days", "30", "--dry-run", stdout=dry)
    assert (
        dry.getvalue().strip()
        == "would delete 3 snapshots, 1 plays, 2 poll runs older than 30 days"
    )
    assert Snapshot.objects.count() == 5

    out = StringIO()
    call_command("prune_snapshots", "--older-than-days", "30", stdout=out)

    assert out.getvalue().strip() == "deleted 3 snapshots, 1 plays, 2 poll runs older than 30 days"
    assert not Snapshot.objects.filter(pk__in=ids).exists()
    assert Snapshot.objects.count() == 2 and PollRun.objects.count() == 3
    assert Game.objects.count() == 1 and MinuteDifferential.objects.count() == minutes
    assert list(Play.objects.values_list("action_number", flat=True)) == [2]
    again = StringIO()
    call_command("prune_snapshots", "--older-than-days", "30", stdout=again)
    assert again.getvalue().startswith("deleted 0 snapshots, 0 plays, 0 poll runs")
