"""Scoring runs from the stored play-by-play (every basket), on a real recorded game
(tests/fixtures/live_pbp: SAC @ DAL, 2025-02-10, overtime), and the same run seen first
from the polls' snapshots, then from the plays, alerted once."""

from __future__ import annotations

from typing import Any

import pytest

from alerts import rules, services
from alerts.models import Alert, AlertSettings, Rule
from games.feed.playbyplay import parse_playbyplay
from games.feed.types import GameStatus
from games.models import Game
from games.play_services import ingest_plays
from tests.games.test_plays import GAME, make_game, recorded

pytestmark = pytest.mark.django_db


def expected_runs(actions: list[dict[str, Any]], home: str, away: str, points: int) -> list[str]:
    """Every run of ``points`` unanswered points straight from the raw feed: the keys the
    rule must raise (side @ the game second of the run's first basket)."""
    from games.clock import elapsed_seconds, parse_clock

    states = []
    last = (0, 0)
    for action in actions:
        clock = parse_clock(str(action.get("clock") or ""))
        if clock is None:
            continue
        score = (max(last[0], int(action["scoreHome"])), max(last[1], int(action["scoreAway"])))
        if score != last:
            last = score
            states.append(rules.Moment.at_elapsed(elapsed_seconds(action["period"], clock), *score))
    limits = AlertSettings.current()
    limits.run_points = points
    return [c.key for c in rules.runs(rules.Teams(home, away), states, False, limits)]


def test_runs_come_from_every_basket_of_the_plays() -> None:
    game = make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    ingest_plays(GAME, parse_playbyplay(payload)[1])
    Game.objects.filter(pk=GAME).update(status=GameStatus.FINAL, observed=True, period=5)

    raised = [a for a in services.evaluate_game(GAME) if a.rule == Rule.RUN]

    limits = AlertSettings.current()
    expected = expected_runs(
        payload["game"]["actions"], game.home_tricode, game.away_tricode, limits.run_points
    )
    assert expected, "the recorded game has a 10-0 run"
    assert sorted(a.key for a in raised) == sorted(expected)
    for alert in raised:
        assert alert.text.startswith("Run: ") and " @ " in alert.text
        assert alert.details["points"] >= limits.run_points
    assert services.evaluate_game(GAME) == []  # stored once


def test_a_run_alerted_from_the_snapshots_is_not_raised_again_from_the_plays() -> None:
    make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    ingest_plays(GAME, parse_playbyplay(payload)[1])
    Game.objects.filter(pk=GAME).update(status=GameStatus.FINAL, observed=True, period=5)
    first = next(a for a in services.evaluate_game(GAME) if a.rule == Rule.RUN)
    # As if the polls had seen that run first, from a later sampled start (another key).
    Alert.objects.filter(pk=first.pk).update(
        key=f"{first.key.split('@')[0]}@{first.details['since_elapsed'] + 30:g}",
        details={**first.details, "since_elapsed": first.details["since_elapsed"] + 30},
    )
    before = Alert.objects.filter(game_id=GAME, rule=Rule.RUN).count()

    again = [a for a in services.evaluate_game(GAME) if a.rule == Rule.RUN]

    assert again == []  # the plays' start differs, but the stretch is the same run
    assert Alert.objects.filter(game_id=GAME, rule=Rule.RUN).count() == before
