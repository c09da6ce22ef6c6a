"""A database fixture of forecasts with known outcomes, for the accuracy page's tests.

Values are chosen so every figure is easy to compute by hand (see test_accuracy.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from games.feed.types import GameStatus
from games.models import Game
from predictions.models import Prediction

FIRST, LAST = dt.date(2025, 1, 10), dt.date(2025, 1, 12)


@dataclass(frozen=True)
class Row:
    game_id: str
    date: dt.date
    d18: int  # minute-18 differential (last of the input pattern): the persistence forecast
    halftime_point: float
    interval90: tuple[int, int]
    interval95: tuple[int, int] | None
    actual_halftime: int | None
    final_point: float
    actual_final: int | None
    win_probability: float


ROWS = [
    Row("0022400901", dt.date(2025, 1, 10), 3, 5.0, (-2, 12), (-5, 15), 8, 6.0, 10, 0.70),
    Row("0022400902", dt.date(2025, 1, 11), -4, -2.5, (-9, 4), (-12, 7), -11, -3.0, -6, 0.35),
    Row("0022400903", dt.date(2025, 1, 12), 0, 1.5, (-6, 9), None, 2, 2.0, -1, 0.62),
    # Still before halftime: counts as a forecast game, in no error.
    Row("0022400904", dt.date(2025, 1, 12), 2, 4.0, (-3, 11), (-6, 14), None, 5.0, None, 0.80),
    # Outside the range 2025-01-10..12, inside the season.
    Row("0022400950", dt.date(2025, 2, 1), 10, -20.0, (-30, -10), (-35, -5), 25, -30.0, 40, 0.05),
]


def create_forecasts() -> list[Prediction]:
    predictions = []
    for n, row in enumerate(ROWS):
        final = row.actual_final is not None
        game = Game.objects.create(
            game_id=row.game_id,
            game_date=row.date,
            home_team_id=1610612738,
            home_tricode="BOS",
            home_city="Boston",
            home_name="Celtics",
            away_team_id=1610612747 + n,
            away_tricode=f"T{n}X",
            away_city="Away",
            away_name=f"Team {n}",
            status=GameStatus.FINAL if final else GameStatus.LIVE,
            home_score=100 + max(row.actual_final or 0, 0),
            away_score=100 - min(row.actual_final or 0, 0),
            observed=True,
        )
        lo95, hi95 = row.interval95 or (None, None)
        predictions.append(
            Prediction.objects.create(
                game=game,
                model_name="fixture",
                model_version="v-test",
                input_pattern=[0] * 17 + [row.d18],
                halftime_point=row.halftime_point,
                halftime_lo90=row.interval90[0],
                halftime_hi90=row.interval90[1],
                halftime_lo95=lo95,
                halftime_hi95=hi95,
                final_point=row.final_point,
                home_win_probability=row.win_probability,
                latency_ms=1.0,
                actual_halftime=row.actual_halftime,
                actual_final=row.actual_final,
            )
        )
    return predictions
