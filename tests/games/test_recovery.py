"""Gap recovery on NBA.com's real recorded live play-by-play (HTTP mocked, no network)."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from games.clock import period_end
from games.feed.parser import parse_scoreboard
from games.feed.playbyplay import parse_playbyplay
from games.minutes import ScoreState, minute_series, states_from_live_playbyplay
from games.models import MinuteDifferential
from games.play_services import ingest_plays
from games.recovery import minutes_from_playbyplay, reconcile_minutes
from games.services import ingest_scoreboard
from predictions.services import make_prediction
from support.payloads import at_minute, board

PBP_DIR = Path(__file__).parents[1] / "fixtures" / "live_pbp"
GAME = "0022400712"  # DAL 116 @ PHI 118, regulation
URL = f"https://cdn.nba.com/static/json/liveData/playbyplay/playbyplay_{GAME}.json"


def recorded(game_id: str = GAME) -> dict[str, Any]:
    with gzip.open(PBP_DIR / f"{game_id}_playbyplay.json.gz") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def until(data: dict[str, Any], elapsed: float) -> dict[str, Any]:
    """The play-by-play as NBA.com served it when ``elapsed`` game seconds had been played."""
    states = iter(states_from_live_playbyplay([a]) for a in data["game"]["actions"])
    actions = [
        a
        for a, s in zip(data["game"]["actions"], states, strict=True)
        if not s or s[0].elapsed <= elapsed
    ]
    return {**data, "game": {**data["game"], "actions": actions}}


def score_at(states: list[ScoreState], elapsed: float) -> tuple[int, int]:
    before = [s for s in states if s.elapsed <= elapsed]
    return (before[-1].home, before[-1].away) if before else (0, 0)


@pytest.mark.parametrize("game_id", ["0022400712", "0022400740", "0022400762"])
def test_full_play_by_play_gives_the_training_minutes(game_id: str) -> None:
    actions = recorded(game_id)["game"]["actions"]
    states = states_from_live_playbyplay(actions)
    periods = max(int(a["period"]) for a in actions)
    values = minutes_from_playbyplay(actions)
    expected = minute_series(states, period_end(periods))
    assert [h - a for h, a in values.values()] == expected
    assert len(values) == period_end(periods) // 60  # 48, or 53 with one overtime


def test_a_partial_play_by_play_closes_only_the_minutes_it_has_passed() -> None:
    partial = until(recorded(), 18.5 * 60)["game"]["actions"]
    assert sorted(minutes_from_playbyplay(partial)) == list(range(1, 19))


@pytest.fixture
def gappy_game(settings: Any) -> list[ScoreState]:
    """The poller saw the game only at 3:30 and at 18:10: all minutes but the 4th imputed."""
    settings.FEED = "live"
    settings.FEED_TIMEOUT_SECONDS = 2.5
    states = states_from_live_playbyplay(recorded()["game"]["actions"])
    for minute in (3.5, 18 + 1 / 6):
        home, away = score_at(states, minute * 60)
        ingest_scoreboard(parse_scoreboard(board(at_minute(minute, home, away, game_id=GAME))))
    assert MinuteDifferential.objects.filter(game_id=GAME, imputed=True).count() == 17
    return states


@pytest.mark.django_db
@responses.activate
def test_the_forecast_input_is_reconciled_from_the_play_by_play_first(
    gappy_game: list[ScoreState], caplog: pytest.LogCaptureFixture
) -> None:
    responses.get(URL, json=until(recorded(), 18.5 * 60))
    caplog.set_level(logging.INFO, logger="games.recovery")

    prediction = make_prediction(GAME)

    training = minute_series(gappy_game, period_end(4))[:18]
    assert prediction.input_pattern == training
    assert prediction.input_imputed_minutes == []
    rows = MinuteDifferential.objects.filter(game_id=GAME, minute__lte=18).order_by("minute")
    assert [r.differential for r in rows] == training
    assert not any(r.imputed for r in rows)
    assert all(r.reconciled for r in rows if r.minute != 4)  # the imputed ones
    sent = responses.calls[0].request
    assert sent.headers["Referer"] == "https://www.nba.com/"
    assert "Firefox" in sent.headers["User-Agent"]  # nba_api's defaults kept
    assert sent.req_kwargs["timeout"] == 2.5  # type: ignore[attr-defined]
    assert "gap recovery reconciled" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply",
    [
        {"status": 503, "body": "<html>busy</html>"},
        {"status": 403, "body": '{"Message": "denied"}'},
        {"body": requests.ReadTimeout("read timed out")},
        {"json": {"meta": {"code": 200}}},
    ],
)
@responses.activate
def test_a_failed_recovery_still_forecasts_from_the_imputed_minutes(
    gappy_game: list[ScoreState], reply: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    responses.get(URL, **reply)

    prediction = make_prediction(GAME)

    assert prediction.input_imputed_minutes == [1, 2, 3, *range(5, 19)]
    assert not MinuteDifferential.objects.filter(reconciled=True).exists()
    assert "gap recovery failed" in caplog.text


@pytest.mark.django_db
def test_the_replay_feed_skips_recovery_with_a_reason(
    gappy_game: list[ScoreState], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FEED = "replay"
    caplog.set_level(logging.INFO, logger="games.recovery")
    with responses.RequestsMock():  # any HTTP request would fail the test
        assert reconcile_minutes(GAME) == 0
    assert "the replay feed has no play-by-play" in caplog.text


@pytest.mark.django_db
@responses.activate
def test_stored_plays_that_stop_short_of_the_imputed_minutes_still_fetch_the_live_feed(
    gappy_game: list[ScoreState],
) -> None:
    # The follow-up is behind (its budget spent, say): the stored plays reach minute 10,
    # minutes 11..18 are imputed. The live play-by-play is fetched for the rest.
    ingest_plays(GAME, parse_playbyplay(until(recorded(), 10.5 * 60))[1])
    responses.get(URL, json=until(recorded(), 18.5 * 60))
    # The 17 imputed minutes, and minute 4: seen at 3:30, a basket before 4:00.
    assert reconcile_minutes(GAME) == 18
    assert len(responses.calls) == 1
    assert not MinuteDifferential.objects.filter(game_id=GAME, imputed=True).exists()


@pytest.mark.django_db
def test_stored_plays_that_reach_every_imputed_minute_need_no_request(
    gappy_game: list[ScoreState],
) -> None:
    ingest_plays(GAME, parse_playbyplay(until(recorded(), 18.5 * 60))[1])
    with responses.RequestsMock():  # any HTTP request would fail the test
        assert reconcile_minutes(GAME) == 18
    rows = MinuteDifferential.objects.filter(game_id=GAME, minute__lte=18).order_by("minute")
    assert [r.differential for r in rows] == minute_series(gappy_game, period_end(4))[:18]
