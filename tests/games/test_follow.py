"""The per-game follow-up after the scoreboard poll: the replayed night's plays and box
scores (data/plays_2024-25), NBA's live endpoints with real recorded payloads
(tests/fixtures/live_pbp, HTTP mocked) and their faults, unchanged bodies skipped, the
shared request budget."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pytest
import requests
import responses

from games import metrics
from games.feed.game_feed import BOXSCORE, PLAYBYPLAY, LiveGameFeed, ReplayGameFeed
from games.feed.select import build_replay_feed
from games.feed.types import GameStatus
from games.models import Game, Play, PlayerBoxLine, PollOutcome, TeamBoxLine
from games.play_services import follow_games
from games.services import poll_scoreboard
from support.live_pbp import LIVE_PBP
from tests.games.test_plays import make_game

pytestmark = pytest.mark.django_db

GAME = "0022400762"
PBP_URL = f"https://cdn.nba.com/static/json/liveData/playbyplay/playbyplay_{GAME}.json"
BOX_URL = f"https://cdn.nba.com/static/json/liveData/boxscore/boxscore_{GAME}.json"


def body(kind: str) -> str:
    with gzip.open(LIVE_PBP / f"{GAME}_{kind}.json.gz", "rt") as handle:
        return handle.read()


def failures() -> dict[str, float]:
    from games.redis_client import get_redis

    raw = get_redis().hgetall(metrics.GAME_FEED_METRICS_KEY)
    return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}


@pytest.fixture
def replay(redis_client: Any) -> Any:
    feed = build_replay_feed()
    feed.reset()
    return feed


def test_the_replay_serves_the_plays_the_scoreboard_has_reached(replay: Any) -> None:
    game_feed = ReplayGameFeed(replay.night)
    for _ in range(30):
        poll_scoreboard(replay)
        result = follow_games(game_feed)
        assert result.failures == {}
    live = list(Game.objects.filter(status=GameStatus.LIVE))
    assert len(live) >= 3
    for game in live:
        plays = list(Play.objects.filter(game=game).present())
        assert plays, game.pk
        # The last play's score is the score the scoreboard shows at this poll.
        assert (plays[-1].score_home, plays[-1].score_away) == (game.home_score, game.away_score)
        home = TeamBoxLine.objects.get(game=game, side="home")
        assert home.points == game.home_score
        assert PlayerBoxLine.objects.filter(game=game, starter=True).count() == 10


def test_an_unchanged_body_is_skipped_and_the_box_score_follows_the_plays(replay: Any) -> None:
    game_feed = ReplayGameFeed(replay.night)
    for _ in range(8):
        poll_scoreboard(replay)
    first = follow_games(game_feed)
    again = follow_games(game_feed)  # no new poll: the scoreboard has not moved

    assert first.requests[PLAYBYPLAY] == first.games > 0
    assert first.requests[BOXSCORE] == len(first.changed) > 0
    assert again.requests[PLAYBYPLAY] == again.unchanged[PLAYBYPLAY] == again.games
    assert again.requests[BOXSCORE] == 0 and again.changed == []


@responses.activate
def test_the_live_endpoints_are_called_with_the_referer_and_timeout(redis_client: Any) -> None:
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)
    responses.get(PBP_URL, body=body("playbyplay"))
    responses.get(BOX_URL, body=body("boxscore"))

    result = follow_games(LiveGameFeed(timeout=2.5))

    assert result.failures == {} and result.changed == [GAME]
    sent = responses.calls[0].request
    assert sent.headers["Referer"] == "https://www.nba.com/"
    assert sent.req_kwargs["timeout"] == 2.5  # type: ignore[attr-defined]
    actions = json.loads(body("playbyplay"))["game"]["actions"]
    assert Play.objects.filter(game_id=GAME).count() == len(actions) == 648
    assert TeamBoxLine.objects.get(game_id=GAME, side="away").points == 129
    # Same bodies again: nothing parsed, no box score requested.
    again = follow_games(LiveGameFeed(timeout=2.5))
    assert again.unchanged[PLAYBYPLAY] == 1 and again.requests[BOXSCORE] == 0


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        ({"status": 403, "body": "<html>Access Denied</html>"}, "refused"),
        ({"status": 200, "body": "<html><body>maintenance</body></html>"}, "html"),
        ({"status": 200, "body": ""}, "empty"),
        (
            {"status": 200, "body": '{"game": {"gameId": "0022400762", "actions": [{"act'},
            "truncated",
        ),
        ({"body": requests.ReadTimeout("read timed out")}, "timeout"),
        ({"status": 200, "body": '{"meta": {}}'}, "shape"),
    ],
)
@responses.activate
def test_a_fault_costs_only_the_plays_and_is_counted_by_class(
    redis_client: Any, response: dict[str, Any], kind: str, caplog: Any
) -> None:
    from support.payloads import StaticFeed, at_minute, board

    responses.get(PBP_URL, **response)
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)

    result = follow_games(LiveGameFeed(timeout=1))

    assert result.failures == {f"playbyplay {GAME}": kind}
    assert failures()[f"playbyplay|failure:{kind}"] == 1
    assert Play.objects.count() == 0 and TeamBoxLine.objects.count() == 0
    lines = [
        r.getMessage() for r in caplog.records if "playbyplay 0022400762 failed" in r.getMessage()
    ]
    assert len(lines) == 1 and f"({kind})" in lines[0]
    from django.test import Client

    text = Client().get("/metrics").content.decode()
    assert f'livescores_game_feed_failures_total{{endpoint="playbyplay",kind="{kind}"}} 1.0' in text
    health = Client().get("/healthz?poll=ignore").json()["checks"]["plays"]
    assert health["degraded"] and health["failures"] == 1
    # The scoreboard path does not depend on it.
    assert poll_scoreboard(StaticFeed(board(at_minute(3.5, 5, 2)))).outcome == PollOutcome.OK


@responses.activate
def test_an_empty_action_list_for_a_game_with_plays_withdraws_nothing(redis_client: Any) -> None:
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)
    responses.get(PBP_URL, body=body("playbyplay"))
    responses.get(BOX_URL, body=body("boxscore"))
    follow_games(LiveGameFeed(timeout=1))
    responses.replace(
        responses.GET, PBP_URL, body='{"meta": {}, "game": {"gameId": "x", "actions": []}}'
    )

    result = follow_games(LiveGameFeed(timeout=1))

    assert result.failures == {f"playbyplay {GAME}": "empty"}
    assert Play.objects.filter(game_id=GAME).present().count() == 648


def test_a_spent_budget_fetches_fewer_games_and_says_so(
    replay: Any, settings: Any, redis_client: Any
) -> None:
    for _ in range(8):
        poll_scoreboard(replay)
    live = Game.objects.filter(status=GameStatus.LIVE).count()
    assert live >= 3
    settings.PLAYS_BUDGET_BURST = 2
    settings.PLAYS_BUDGET_PER_MINUTE = 0.001

    budgeted = ReplayGameFeed(replay.night)
    budgeted.budgeted = True

    result = follow_games(budgeted)

    assert result.requests[PLAYBYPLAY] == 2 and result.over_budget == live
    assert failures()["playbyplay|over_budget"] == live - 2
    assert failures()["boxscore|over_budget"] == 2
    assert result.requests[BOXSCORE] == 0  # the two play-by-play requests spent it all
    from games.play_services import follow_status

    status = follow_status()
    assert status["ok"] and status["degraded"] and status["over_budget"] == live
    assert "request budget spent" in str(status["reason"])


def test_the_poll_task_queues_the_follow_up_after_the_scoreboard(
    eager_celery: None, redis_client: Any, monkeypatch: Any
) -> None:
    from games import tasks
    from support.payloads import StaticFeed, at_minute, board

    order: list[str] = []
    feed = StaticFeed(board(at_minute(3.5, 5, 2)))

    def poll() -> Any:
        run = poll_scoreboard(feed)
        order.append("scoreboard committed")
        return run

    monkeypatch.setattr(tasks, "poll_exclusively", poll)
    monkeypatch.setattr(tasks, "follow_exclusively", lambda: order.append("follow-up"))

    tasks.poll_scoreboard.delay()

    assert order == ["scoreboard committed", "follow-up"]


@responses.activate
def test_a_live_game_the_scoreboard_stopped_updating_is_finished_from_its_box_score(
    redis_client: Any,
) -> None:
    """The recorded game's real final payloads, for a game the board still has as live
    (it vanished from the scoreboard): once no poll changed it for two intervals, its own
    box score finishes it through the poll's ingest."""
    from django.utils import timezone

    from games.models import MinuteDifferential

    make_game(GAME)
    Game.objects.filter(pk=GAME).update(
        status=GameStatus.LIVE, period=4, elapsed_seconds=2700.0, observed=True,
        home_score=110, away_score=112, last_closed_minute=45,
    )  # fmt: skip
    responses.get(PBP_URL, body=body("playbyplay"))
    responses.get(BOX_URL, body=body("boxscore"))
    follow_games(LiveGameFeed(timeout=1))
    assert Game.objects.get(pk=GAME).status == GameStatus.LIVE  # just updated: not yet

    Game.objects.filter(pk=GAME).update(updated_at=timezone.now() - dt.timedelta(minutes=2))
    again = follow_games(LiveGameFeed(timeout=1))  # the same bodies: nothing else changed

    assert again.unchanged[PLAYBYPLAY] == 1 and again.requests[BOXSCORE] == 1

    game = Game.objects.get(pk=GAME)
    assert (game.status, game.status_text, game.period) == (GameStatus.FINAL, "Final/OT1", 5)
    assert (game.home_score, game.away_score) == (128, 129)
    assert game.last_closed_minute == 53  # every minute closed through the overtime
    assert MinuteDifferential.objects.filter(game=game, minute=53).get().differential == -1


def test_a_budget_spent_follow_up_after_follow_up_raises_feed_trouble_until_one_is_paid(
    replay: Any, settings: Any, redis_client: Any
) -> None:
    """alerts' feed-trouble rule reads how long the budget has been spent from the real
    follow-ups (games.play_services.budget_spent_since)."""
    from alerts import services as alert_services
    from alerts.models import Alert, Rule
    from games.play_services import budget_spent_since

    for _ in range(8):
        poll_scoreboard(replay)
    settings.PLAYS_BUDGET_BURST = 2
    settings.PLAYS_BUDGET_PER_MINUTE = 0.001
    budgeted = ReplayGameFeed(replay.night)
    budgeted.budgeted = True
    follow_games(budgeted)
    spent = budget_spent_since()
    assert spent is not None
    since, missed = spent
    assert missed > 0
    follow_games(budgeted)  # still short: the same start
    assert budget_spent_since() == (since, budget_spent_since()[1])  # type: ignore[index]

    assert alert_services.evaluate_feed(since + dt.timedelta(seconds=59)) == []
    [alert] = alert_services.evaluate_feed(since + dt.timedelta(seconds=61))
    assert (alert.game, alert.rule, alert.active) == (None, Rule.FEED_TROUBLE, True)
    assert alert.key.startswith("budget@") and "request budget spent" in alert.text
    assert alert_services.evaluate_feed(since + dt.timedelta(seconds=90)) == []  # once

    follow_games(ReplayGameFeed(replay.night))  # paid in full (an unbudgeted feed)
    assert budget_spent_since() is None
    alert_services.evaluate_feed(since + dt.timedelta(seconds=120))
    assert not Alert.objects.get(pk=alert.pk).active
