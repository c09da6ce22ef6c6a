"""The accuracy page scores the live win-probability curve (every stored live forecast of a
finished game, but the decided ones) by period and per tenth, equal to figures computed by
hand here."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.curve_accuracy import curve_accuracy
from games.feed.types import GameStatus
from games.models import Game
from predictions.models import LiveForecast

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 10)
# game id -> (home score, away score, status, {game minute: home win probability}); a
# point sits in the middle of its minute (minute 1: 30 s of game time; 49: in overtime).
GAMES = {
    "0022400801": (110, 100, GameStatus.FINAL, {1: 0.55, 12: 0.62, 30: 0.81, 47: 0.97}),
    "0022400802": (98, 104, GameStatus.FINAL, {2: 0.48, 13: 0.40, 40: 0.15, 50: 0.05}),
    # Live: its result is not known, so none of its points is scored.
    "0022400803": (50, 40, GameStatus.LIVE, {5: 0.70}),
}


def create_curves() -> None:
    for n, (game_id, (home, away, status, points)) in enumerate(GAMES.items()):
        Game.objects.create(
            game_id=game_id,
            game_date=DAY,
            home_team_id=1610612738,
            home_tricode="BOS",
            away_team_id=1610612747 + n,
            away_tricode=f"T{n}X",
            status=status,
            home_score=home,
            away_score=away,
            observed=True,
        )
        for minute, probability in points.items():
            live_forecast(game_id, minute, probability, "m-test")
        if status == GameStatus.FINAL:  # the decided end of the curve: never scored
            live_forecast(game_id, 53 if max(points) > 48 else 48, 1.0 if home > away else 0.0)


def live_forecast(game_id: str, minute: int, probability: float, version: str = "m-test") -> None:
    LiveForecast.objects.create(
        game_id=game_id,
        elapsed_seconds=60 * minute - 30,
        period=min(4, (minute - 1) // 12 + 1) if minute <= 48 else 5,
        home_score=minute,
        away_score=0,
        model_version=version,
        home_win_prob=probability,
        final_margin=0,
        lo90=-1,
        hi90=1,
        lo95=-2,
        hi95=2,
    )


def by_hand() -> dict[str, list[tuple[float, float, str]]]:
    """(forecast, outcome, game) per period, from GAMES, written out without the app's code."""
    won = {"0022400801": 1.0, "0022400802": 0.0}
    periods: dict[str, list[tuple[float, float, str]]] = {}
    for game_id, (_, _, status, points) in GAMES.items():
        if status != GameStatus.FINAL:
            continue
        for minute, p in points.items():
            period = "OT" if minute > 48 else f"Q{(minute - 1) // 12 + 1}"
            periods.setdefault(period, []).append((p, won[game_id], game_id))
    return periods


def brier(pairs: list[tuple[float, float, str]]) -> float:
    return statistics.fmean((p - y) ** 2 for p, y, _ in pairs)


def test_the_curve_is_scored_by_period_like_the_hand_computed_figures() -> None:
    create_curves()
    [curve] = curve_accuracy(DAY, DAY)
    assert (curve.model_version, curve.points, curve.games) == ("m-test", 8, 2)
    expected = by_hand()
    assert [p.period for p in curve.periods] == ["Q1", "Q2", "Q3", "Q4", "OT"]
    for score in curve.periods:
        pairs = expected[score.period]
        rate = statistics.fmean(y for _, y, _ in pairs)
        assert (score.points, score.games) == (len(pairs), len({g for *_, g in pairs}))
        assert score.brier == pytest.approx(brier(pairs))
        assert score.baseline == pytest.approx(rate * (1 - rate))
    everything = [pair for pairs in expected.values() for pair in pairs]
    assert curve.brier == pytest.approx(brier(everything))
    assert curve.baseline == pytest.approx(0.5 * 0.5)  # four points of a win, four of a loss


def test_the_reliability_table_counts_points_and_games_per_tenth() -> None:
    create_curves()
    [curve] = curve_accuracy(DAY, DAY)
    table = [
        v for b in curve.reliability for v in (b.lo, b.points, b.games, b.mean_forecast, b.observed)
    ]
    # 0.05 | 0.15 | 0.40 0.48 | 0.55 | 0.62 | 0.81 | 0.97 (0.40 and 0.48 share 0.4-0.5)
    expected = [
        (0.0, 1, 1, 0.05, 0.0),
        (0.1, 1, 1, 0.15, 0.0),
        (0.4, 2, 1, 0.44, 0.0),
        (0.5, 1, 1, 0.55, 1.0),
        (0.6, 1, 1, 0.62, 1.0),
        (0.8, 1, 1, 0.81, 1.0),
        (0.9, 1, 1, 0.97, 1.0),
    ]
    assert table == pytest.approx([v for row in expected for v in row])


def test_each_model_version_is_scored_on_its_own_points() -> None:
    create_curves()
    live_forecast("0022400801", 2, 0.1, "m-old")
    curves = curve_accuracy(DAY, DAY)
    assert [(c.model_version, c.points) for c in curves] == [("m-test", 8), ("m-old", 1)]
    assert curves[1].brier == pytest.approx((0.1 - 1) ** 2)


def test_the_accuracy_page_shows_the_curve_beside_the_halftime_figures(client: Client) -> None:
    create_curves()
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    page = client.get(f"/accuracy/?start={DAY}&end={DAY}").content.decode()
    assert "Live win probability, at every moment" in page
    assert "8 points from 2 games; model m-test" in page  # the two decided points left out
    assert (
        f'<td id="curve-brier">{brier([p for ps in by_hand().values() for p in ps]):.4f}</td>'
        in page
    )
    assert 'id="curve-reliability-data"' in page


def test_a_range_without_finished_curves_says_so(client: Client) -> None:
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    page = client.get(f"/accuracy/?start={DAY}&end={DAY}").content.decode()
    assert "No finished game in this range has a live win probability yet." in page
