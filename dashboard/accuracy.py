"""Forecast accuracy, computed in PostgreSQL from the stored predictions: over a date
range for the accuracy page (``accuracy_report``), and per game date for the status
panel (``live_accuracy``).

The per-game definitions are the ones the predictions admin shows (``Prediction``'s
``halftime_error``, ``covers_halftime``, ``final_error``): here they are aggregated.

* halftime MAE of the minute-18 forecast, against **persistence** (the minute-18
  differential, ``input_pattern[17]``, carried to halftime);
* 90 % / 95 % interval coverage of the halftime differential;
* final-margin MAE, against persistence as well;
* Brier score of the stored home win probability against the home team's win, and its
  **climatology** baseline: always forecasting the range's own home-win rate *r*
  (Brier r(1-r), the uncertainty term of the Brier decomposition);
* a reliability table: forecasts in tenths of probability, mean forecast vs the
  observed home-win rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Cast, Floor, Least, Power
from django.utils import timezone

from games.feed.types import GameStatus
from games.minutes import PREDICTION_MINUTE
from games.season import season_start
from predictions.models import Prediction

RELIABILITY_BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    lo: float
    hi: float
    n: int
    mean_forecast: float
    observed: float


@dataclass(frozen=True)
class AccuracyReport:
    start: dt.date
    end: dt.date
    games: int  # games in the range with a minute-18 forecast
    halftime_n: int = 0
    halftime_mae: float | None = None
    halftime_persistence_mae: float | None = None
    coverage90: float | None = None  # percent
    coverage95_n: int = 0
    coverage95: float | None = None
    final_n: int = 0
    final_mae: float | None = None
    final_persistence_mae: float | None = None
    winprob_n: int = 0
    brier: float | None = None
    brier_baseline: float | None = None
    home_win_rate: float | None = None
    reliability: list[ReliabilityBin] = field(default_factory=list)
    # What the metrics leave out, so that the counts add up to ``games``:
    # games = halftime_n + halftime_pending + halftime_stale
    #       = final_n + final_pending + final_stale + final_no_forecast
    halftime_pending: int = 0  # halftime not reached yet
    halftime_stale: int = 0  # the game left the board unfinished: never scored
    final_pending: int = 0  # a final-margin forecast, the game not over yet
    final_stale: int = 0
    final_no_forecast: int = 0  # the model made no final-margin forecast

    @property
    def counts_add_up(self) -> bool:
        halftime = self.halftime_n + self.halftime_pending + self.halftime_stale
        final = self.final_n + self.final_pending + self.final_stale + self.final_no_forecast
        return halftime == final == self.games

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data


def _float(expression: Any) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=FloatField())


HOME_WON = Case(When(actual_final__gt=0, then=Value(1.0)), default=Value(0.0))
D18 = Cast(KT(f"input_pattern__{PREDICTION_MINUTE - 1}"), FloatField())


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Season to date: from the first forecast game of the latest forecast game's season
    (a replayed 2025 night counts as that season, not today's) to that game's date."""
    latest = Prediction.objects.aggregate(day=Max("game__game_date"))["day"]
    end = latest or today or timezone.localdate()
    first = Prediction.objects.filter(game__game_date__gte=season_start(end)).aggregate(
        day=Min("game__game_date")
    )["day"]
    return first or end, end


def predictions_between(start: dt.date, end: dt.date) -> QuerySet[Prediction]:
    return Prediction.objects.filter(game__game_date__gte=start, game__game_date__lte=end)


def _halftime() -> dict[str, Any]:
    """Over forecasts whose halftime is known: the error, persistence's, the coverage."""
    return {
        "n": Count("pk"),
        "mae": Avg(Abs(_float(F("actual_halftime") - F("halftime_point")))),
        "persistence": Avg(Abs(_float(F("actual_halftime") - D18))),
        "covered90": Count(
            "pk",
            filter=Q(
                actual_halftime__gte=F("halftime_lo90"), actual_halftime__lte=F("halftime_hi90")
            ),
        ),
        "n95": Count("pk", filter=Q(halftime_lo95__isnull=False, halftime_hi95__isnull=False)),
        "covered95": Count(
            "pk",
            filter=Q(
                actual_halftime__gte=F("halftime_lo95"), actual_halftime__lte=F("halftime_hi95")
            ),
        ),
    }


def _final() -> dict[str, Any]:
    """Over forecasts with a final point whose final margin is known."""
    return {
        "n": Count("pk"),
        "mae": Avg(Abs(_float(F("actual_final") - F("final_point")))),
        "persistence": Avg(Abs(_float(F("actual_final") - D18))),
    }


def _halftime_known(rows: QuerySet[Prediction]) -> QuerySet[Prediction]:
    return rows.filter(actual_halftime__isnull=False)


def _final_known(rows: QuerySet[Prediction]) -> QuerySet[Prediction]:
    return rows.filter(actual_final__isnull=False, final_point__isnull=False)


LIVE_ACCURACY_NIGHTS = 7  # the panel: tonight and the 7 nights before it


def live_accuracy(
    tonight: dt.date | None = None, nights: int = LIVE_ACCURACY_NIGHTS
) -> dict[str, Any]:
    """The status panel's accuracy of forecasts whose halftime is known, over a bounded
    window: ``tonight`` (default: the latest night with a known halftime) and the
    ``nights`` nights before it -- a total and one row per night with any (two grouped
    queries and two totals). Everything older is on the accuracy page."""
    if tonight is None:
        tonight = (
            _halftime_known(Prediction.objects.all()).aggregate(d=Max("game__game_date"))["d"]
            or dt.date.today()
        )
    start = tonight - dt.timedelta(days=nights)
    window = Prediction.objects.filter(game__game_date__range=(start, tonight))
    known = _halftime_known(window)

    def summary(label: str, half: dict[str, Any], final: dict[str, Any]) -> dict[str, Any]:
        return {
            "label": label,
            "halftime_n": half["n"],
            "halftime_mae": half["mae"],
            "coverage90": _percent(half["covered90"], half["n"]),
            "coverage95": _percent(half["covered95"], half["n95"]),
            "final_n": final["n"],
            "final_mae": final["mae"],
        }

    def by_date(rows: QuerySet[Prediction], aggregates: dict[str, Any]) -> dict[dt.date, Any]:
        grouped = rows.values("game__game_date").annotate(**aggregates).order_by()
        return {row["game__game_date"]: row for row in grouped}

    half_by_date = by_date(known, _halftime())
    final_by_date = by_date(_final_known(known), _final())
    no_final = {"n": 0, "mae": None}
    dates = sorted(half_by_date, reverse=True)
    return {
        "overall": summary(
            "these nights",
            known.aggregate(**_halftime()),
            _final_known(known).aggregate(**_final()),
        ),
        "window": {"start": start.isoformat(), "end": tonight.isoformat(), "nights": nights + 1},
        "by_date": [
            summary(day.isoformat(), half_by_date[day], final_by_date.get(day, no_final))
            for day in dates
        ],
        "pending": window.filter(actual_halftime__isnull=True).count(),
    }


def accuracy_report(start: dt.date, end: dt.date) -> AccuracyReport:
    rows = predictions_between(start, end)
    halftime = _halftime_known(rows).aggregate(**_halftime())
    final = _final_known(rows).aggregate(**_final())
    forecasts = rows.filter(actual_final__isnull=False, home_win_probability__isnull=False)
    winprob = forecasts.aggregate(
        n=Count("pk"),
        brier=Avg(Power(F("home_win_probability") - HOME_WON, 2), output_field=FloatField()),
        rate=Avg(HOME_WON, output_field=FloatField()),
    )
    rate = winprob["rate"]
    stale = Q(game__status=GameStatus.STALE)
    unknown_half = Q(actual_halftime__isnull=True)
    with_point = Q(final_point__isnull=False, actual_final__isnull=True)
    left = rows.aggregate(
        halftime_pending=Count("pk", filter=unknown_half & ~stale),
        halftime_stale=Count("pk", filter=unknown_half & stale),
        final_pending=Count("pk", filter=with_point & ~stale),
        final_stale=Count("pk", filter=with_point & stale),
        final_no_forecast=Count("pk", filter=Q(final_point__isnull=True)),
    )
    return AccuracyReport(
        **left,
        start=start,
        end=end,
        games=rows.count(),
        halftime_n=halftime["n"],
        halftime_mae=halftime["mae"],
        halftime_persistence_mae=halftime["persistence"],
        coverage90=_percent(halftime["covered90"], halftime["n"]),
        coverage95_n=halftime["n95"],
        coverage95=_percent(halftime["covered95"], halftime["n95"]),
        final_n=final["n"],
        final_mae=final["mae"],
        final_persistence_mae=final["persistence"],
        winprob_n=winprob["n"],
        brier=winprob["brier"],
        brier_baseline=None if rate is None else rate * (1 - rate),
        home_win_rate=rate,
        reliability=_reliability(forecasts),
    )


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _reliability(forecasts: QuerySet[Prediction]) -> list[ReliabilityBin]:
    bin_index = Cast(
        Least(Floor(F("home_win_probability") * RELIABILITY_BINS), Value(RELIABILITY_BINS - 1)),
        IntegerField(),
    )
    rows = (
        forecasts.annotate(bin=bin_index)
        .values("bin")
        .annotate(
            n=Count("pk"),
            mean_forecast=Avg("home_win_probability"),
            observed=Avg(HOME_WON, output_field=FloatField()),
        )
        .order_by("bin")
    )
    return [
        ReliabilityBin(
            lo=row["bin"] / RELIABILITY_BINS,
            hi=(row["bin"] + 1) / RELIABILITY_BINS,
            n=row["n"],
            mean_forecast=row["mean_forecast"],
            observed=row["observed"],
        )
        for row in rows
    ]


def csv_rows(report: AccuracyReport) -> list[list[str]]:
    """The report as CSV rows: metric, value, number of games it is computed over."""

    def fmt(value: float | None) -> str:
        return "" if value is None else f"{value:.6f}"

    rows = [
        ["metric", "value", "games"],
        ["start", report.start.isoformat(), ""],
        ["end", report.end.isoformat(), ""],
        ["games with a forecast", str(report.games), str(report.games)],
        ["halftime not reached yet (not scored)", str(report.halftime_pending), ""],
        ["halftime never reached: stale game (not scored)", str(report.halftime_stale), ""],
        ["final margin not known yet (not scored)", str(report.final_pending), ""],
        ["final margin never known: stale game (not scored)", str(report.final_stale), ""],
        ["no final-margin forecast (not scored)", str(report.final_no_forecast), ""],
        ["halftime MAE", fmt(report.halftime_mae), str(report.halftime_n)],
        ["halftime MAE, persistence", fmt(report.halftime_persistence_mae), str(report.halftime_n)],
        ["halftime 90% coverage (%)", fmt(report.coverage90), str(report.halftime_n)],
        ["halftime 95% coverage (%)", fmt(report.coverage95), str(report.coverage95_n)],
        ["final-margin MAE", fmt(report.final_mae), str(report.final_n)],
        ["final-margin MAE, persistence", fmt(report.final_persistence_mae), str(report.final_n)],
        ["win-probability Brier", fmt(report.brier), str(report.winprob_n)],
        ["win-probability Brier, climatology", fmt(report.brier_baseline), str(report.winprob_n)],
        ["home-win rate", fmt(report.home_win_rate), str(report.winprob_n)],
    ]
    for b in report.reliability:
        label = f"reliability {b.lo:.1f}-{b.hi:.1f}"
        rows.append([f"{label} mean forecast", fmt(b.mean_forecast), str(b.n)])
        rows.append([f"{label} observed home-win rate", fmt(b.observed), str(b.n)])
    return rows
