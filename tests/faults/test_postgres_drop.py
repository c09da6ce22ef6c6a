"""PostgreSQL drops the worker's connection (as a restart or failover does): the task retries.

The shared server is not restarted (other sessions use it): the test's own backend is
ended with pg_terminate_backend, which is what every client sees when PostgreSQL
restarts: its next query fails with an OperationalError on a dead connection.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection

from games import services
from games.models import Game, PollOutcome, PollRun
from games.tasks import poll_scoreboard
from support.payloads import at_minute, board

pytestmark = pytest.mark.django_db(transaction=True)


class RepeatingFeed:
    name = "test"

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def fetch(self) -> dict[str, Any]:
        return self.payload


def drop_connection() -> None:
    """End this process's PostgreSQL session from another one."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    admin = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    )
    with admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


def test_a_dropped_database_connection_is_retried_on_a_new_one(
    monkeypatch: pytest.MonkeyPatch, redis_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    feed = RepeatingFeed(board(at_minute(3.5, 5, 2)))
    monkeypatch.setattr(services, "get_feed", lambda: feed)
    assert poll_scoreboard.apply().get() == PollOutcome.OK
    feed.payload = board(at_minute(5.5, 12, 9))

    drop_connection()
    result = poll_scoreboard.apply()

    assert result.successful() and result.get() == PollOutcome.OK
    assert "poll hit a database error, retrying on a new connection" in caplog.text
    game = Game.objects.get()
    assert (game.home_score, game.last_closed_minute) == (12, 5)
    assert list(game.minutes.values_list("minute", flat=True)) == [1, 2, 3, 4, 5]
    runs = list(PollRun.objects.order_by("started_at", "id").values_list("outcome", "error"))
    assert [outcome for outcome, _ in runs] == ["ok", "error", "ok"]  # the failure is on record
    assert runs[1][1].startswith("OperationalError")
    assert not redis_client.exists(services.POLL_LOCK_KEY)  # released by the failed attempt
