"""Accuracy of the live win-probability curve (the state model's forecast at every state
of a game, ``LiveForecast``), computed in PostgreSQL for the accuracy page, beside the
halftime forecast's figures of ``dashboard/accuracy.py``.

Every stored point of a finished game in the date range is scored against the game's
result (the home team won: 1, else 0):

* the **Brier score by period** (Q1-Q4 and every overtime together, by the period the
  state is in); beside the **climatology** baseline of the same points (always
  forecasting the points' own home-win rate *r*: Brier r(1-r));
* a **reliability table**: points in tenths of probability, with how many points and games
  each tenth holds, the mean forecast and the observed home-win rate.

A game contributes one point per state the poll saw (about one per poll while the clock
runs), so games weigh by their length and the points of one game are not independent:
the counts of games are shown beside the points. A decided game's points (its result,
100 % or 0 %) are left out: they score the result, not a forecast.
Each model version is scored on its own points (a version change mid-season is two rows,
never one mixed figure).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor, Least, Power

from games.clock import REGULATION_PERIODS
from games.feed.types import GameStatus
from predictions.models import LiveForecast

RELIABILITY_BINS = 10
PERIODS = ("Q1", "Q2", "Q3", "Q4", "OT")

HOME_WON = Case(
    When(game__home_score__gt=F("game__away_score"), then=Value(1.0)), default=Value(0.0)
)
PERIOD_INDEX = Case(
    When(period__gt=REGULATION_PERIODS, then=Value(len(PERIODS) - 1)),
    default=F("period") - 1,
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class PeriodScore:
    period: str
    points: int
    games: int
    brier: float
    baseline: float  # climatology of the same points: r(1-r)
    home_win_rate: float


@dataclass(frozen=True)
class CurveBin:
    lo: float
    hi: float
    points: int
    games: int
    mean_forecast: float
    observed: float


@dataclass(frozen=True)
class CurveAccuracy:
    model_version: str
    points: int
    games: int
    brier: float
    baseline: float
    periods: list[PeriodScore]
    reliability: list[CurveBin]


def scored_points(start: dt.date, end: dt.date) -> QuerySet[LiveForecast]:
    """The curve's points of the games in the range that are final (their result known),
    but the decided ones (exactly 0 or 1: the model itself never forecasts certainty)."""
    return LiveForecast.objects.filter(
        game__game_date__gte=start,
        game__game_date__lte=end,
        game__status=GameStatus.FINAL,
        game__home_score__isnull=False,
        game__away_score__isnull=False,
    ).exclude(home_win_prob__in=(0.0, 1.0))


def _brier() -> Avg:
    return Avg(Power(F("home_win_prob") - HOME_WON, 2), output_field=FloatField())


def _climatology(rate: float) -> float:
    return rate * (1 - rate)


def curve_accuracy(start: dt.date, end: dt.date) -> list[CurveAccuracy]:
    """One score per model version with points in the range, the most points first."""
    points = scored_points(start, end)
    versions = (
        points.values("model_version")
        .annotate(
            points=Count("pk"),
            games=Count("game", distinct=True),
            brier=_brier(),
            rate=Avg(HOME_WON, output_field=FloatField()),
        )
        .order_by("-points", "model_version")
    )
    return [
        CurveAccuracy(
            model_version=row["model_version"],
            points=row["points"],
            games=row["games"],
            brier=row["brier"],
            baseline=_climatology(row["rate"]),
            periods=_periods(points.filter(model_version=row["model_version"])),
            reliability=_reliability(points.filter(model_version=row["model_version"])),
        )
        for row in versions
    ]


def _periods(points: QuerySet[LiveForecast]) -> list[PeriodScore]:
    rows = (
        points.annotate(period_index=PERIOD_INDEX)
        .values("period_index")
        .annotate(
            points=Count("pk"),
            games=Count("game", distinct=True),
            brier=_brier(),
            rate=Avg(HOME_WON, output_field=FloatField()),
        )
        .order_by("period_index")
    )
    return [
        PeriodScore(
            period=PERIODS[row["period_index"]],
            points=row["points"],
            games=row["games"],
            brier=row["brier"],
            baseline=_climatology(row["rate"]),
            home_win_rate=row["rate"],
        )
        for row in rows
    ]


def _reliability(points: QuerySet[LiveForecast]) -> list[CurveBin]:
    bin_index = Cast(
        Least(Floor(F("home_win_prob") * RELIABILITY_BINS), Value(RELIABILITY_BINS - 1)),
        IntegerField(),
    )
    rows = (
        points.annotate(bin=bin_index)
        .values("bin")
        .annotate(
            points=Count("pk"),
            games=Count("game", distinct=True),
            mean_forecast=Avg("home_win_prob"),
            observed=Avg(HOME_WON, output_field=FloatField()),
        )
        .order_by("bin")
    )
    return [
        CurveBin(
            lo=row["bin"] / RELIABILITY_BINS,
            hi=(row["bin"] + 1) / RELIABILITY_BINS,
            points=row["points"],
            games=row["games"],
            mean_forecast=row["mean_forecast"],
            observed=row["observed"],
        )
        for row in rows
    ]
