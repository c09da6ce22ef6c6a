from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from games.feed.live import FeedError
from games.models import PollOutcome, PollRun
from games.services import POLL_LOCK_KEY, poll_exclusively, poll_scoreboard
from support.payloads import StaticFeed, at_minute, board

pytestmark = pytest.mark.django_db


def test_every_run_is_recorded_with_its_timings() -> None:
    run = poll_scoreboard(StaticFeed(board(at_minute(3.5, 5, 2))))
    run.refresh_from_db()
    assert (run.outcome, run.games, run.rejected, run.feed) == (PollOutcome.OK, 1, 0, "test")
    assert run.fetch_ms is not None and run.processing_ms is not None and run.processing_ms > 0
    assert str(run.board_date) == "2023-04-20"


def test_a_failed_fetch_is_recorded_and_raised_for_a_retry() -> None:
    with pytest.raises(FeedError):
        poll_scoreboard(StaticFeed(FeedError("HTTP 503 refused")))
    run = PollRun.objects.get()
    assert (run.outcome, run.error) == (PollOutcome.FETCH_ERROR, "HTTP 503 refused")


def test_a_payload_that_is_not_a_scoreboard_is_a_fetch_error() -> None:
    with pytest.raises(FeedError):
        poll_scoreboard(StaticFeed({"unexpected": True}))
    assert PollRun.objects.get().outcome == PollOutcome.FETCH_ERROR


def test_a_poll_never_overlaps_another(redis_client: Any) -> None:
    redis_client.set(POLL_LOCK_KEY, "held by another worker", ex=30)
    feed = StaticFeed(board(at_minute(3.5, 5, 2)))
    assert poll_exclusively(feed) is None
    assert PollRun.objects.count() == 0 and feed.payloads  # nothing fetched
    redis_client.delete(POLL_LOCK_KEY)
    assert poll_exclusively(feed) is not None
    assert redis_client.get(POLL_LOCK_KEY) is None  # released


def test_recent_stats_cover_the_last_hundred_runs() -> None:
    from django.utils import timezone

    now = timezone.now()
    PollRun.objects.bulk_create(
        PollRun(
            started_at=now - dt.timedelta(seconds=10 * i),
            feed="t",
            outcome="ok",
            fetch_ms=1.0,
            processing_ms=float(i),
        )
        for i in range(150)
    )
    stats = PollRun.recent_stats()
    assert stats["runs"] == 100
    assert (stats["processing_min"], stats["processing_max"]) == (0.0, 99.0)
    assert stats["processing_avg"] == pytest.approx(49.5)


def test_the_poll_task_is_scheduled_every_interval() -> None:
    from django.conf import settings

    from livescores.celery_app import app

    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["poll scoreboard"]
    assert entry["task"] == "games.tasks.poll_scoreboard"
    assert entry["schedule"] == settings.POLL_INTERVAL_SECONDS
    assert entry["options"]["expires"] == settings.POLL_INTERVAL_SECONDS
