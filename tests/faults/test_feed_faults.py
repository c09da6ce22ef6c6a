"""A bad feed, through the real poll task: bounded retries, a log line, nothing written.

tests/games/test_live_feed.py shows each bad response becomes a FeedError; here the
whole task runs (Celery retries in place, eager) against PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
import responses

from games import services
from games.feed.live import LiveFeed
from games.models import Game, PollOutcome, PollRun
from games.tasks import poll_scoreboard
from support.payloads import at_minute, board, game_json
from support.rows import counts

pytestmark = pytest.mark.django_db(transaction=True)

URL = "https://cdn.nba.com/static/json/liveData/scoreboard/todaysScoreboard_00.json"
ATTEMPTS = 1 + poll_scoreboard.max_retries


@pytest.fixture(autouse=True)
def live_feed(monkeypatch: pytest.MonkeyPatch, redis_client: Any) -> None:
    monkeypatch.setattr(services, "get_feed", lambda: LiveFeed(timeout=1))


@pytest.mark.parametrize(
    ("reply", "logged"),
    [
        ({"body": requests.ReadTimeout("read timed out")}, "timed out after 1 s"),
        ({"status": 403, "body": "<html>Access Denied</html>"}, "HTTP 403 body is not JSON"),
        ({"status": 429, "body": '{"Message": "slow down"}'}, "HTTP 429 refused"),
        ({"status": 500, "body": '{"error": "internal"}'}, "HTTP 500 refused"),
        ({"status": 503, "body": ""}, "HTTP 503 body is not JSON"),
        ({"status": 200, "body": "<html>maintenance</html>"}, "HTTP 200 body is not JSON"),
        ({"status": 200, "body": ""}, "HTTP 200 body is not JSON"),
        ({"status": 200, "body": '{"scoreboard": {"games": ['}, "HTTP 200 body is not JSON"),
        ({"status": 200, "body": '{"meta": {}}'}, "payload has no 'scoreboard' object"),
    ],
)
@responses.activate
def test_a_bad_feed_retries_a_bounded_number_of_times_and_writes_nothing(
    reply: dict[str, Any], logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    responses.get(URL, body=json.dumps(board(at_minute(3.5, 5, 2))))
    poll_scoreboard.apply().get()  # a good poll first: state to keep
    before = counts()
    game = Game.objects.get()
    responses.replace(responses.GET, URL, **reply)

    result = poll_scoreboard.apply()

    assert result.failed()  # given up after the retries: no crash loop
    assert len(responses.calls) == 1 + ATTEMPTS
    runs = PollRun.objects.exclude(outcome=PollOutcome.OK)
    assert runs.count() == ATTEMPTS
    assert all(run.outcome == PollOutcome.FETCH_ERROR and logged in run.error for run in runs)
    assert {**counts(), "polls": before["polls"]} == before  # nothing lost, nothing added
    game.refresh_from_db()
    assert (game.home_score, game.away_score, game.last_closed_minute) == (5, 2, 3)
    assert re.search(f"poll failed: (scoreboard )?{re.escape(logged)}", caplog.text)

    responses.replace(responses.GET, URL, body=json.dumps(board(at_minute(4.5, 7, 2))))
    assert poll_scoreboard.apply().get() == PollOutcome.OK  # the next beat just works
    game.refresh_from_db()
    assert (game.home_score, game.last_closed_minute) == (7, 4)


@responses.activate
def test_a_game_with_missing_fields_is_rejected_and_the_others_go_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = game_json("0042200999", home=3, away=1)
    del broken["homeTeam"]["score"]
    del broken["gameStatus"]
    responses.get(URL, body=json.dumps(board(at_minute(3.5, 5, 2), broken)))

    assert poll_scoreboard.apply().get() == PollOutcome.OK

    run = PollRun.objects.get()
    assert (run.games, run.rejected) == (1, 1)
    assert list(Game.objects.values_list("pk", flat=True)) == ["0042200163"]
    assert "rejected game 0042200999: missing field 'gameStatus'" in caplog.text
