"""Accuracy is computed once (dashboard/accuracy.py, in PostgreSQL); on the recorded night's
predictions, with the outcomes recorded as the night went on, the status panel and the
accuracy page give what the per-game definitions give, computed here row by row.

(Before the status panel's Python loop was removed, this test compared it with the
accuracy page's SQL on the same night: they agreed.)
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import pytest

from dashboard.accuracy import accuracy_report, live_accuracy
from games.models import Game
from predictions.models import Prediction
from support.night import RecordedNight


def by_hand(rows: list[dict[str, Any]]) -> dict[str, Any]:
    half = [r for r in rows if r["actual_halftime"] is not None]
    final = [r for r in half if r["actual_final"] is not None and r["final_point"] is not None]
    in95 = [r for r in half if r["halftime_lo95"] is not None]

    def covered(r: dict[str, Any], level: int) -> bool:
        return bool(r[f"halftime_lo{level}"] <= r["actual_halftime"] <= r[f"halftime_hi{level}"])

    return {
        "halftime_n": len(half),
        "halftime_mae": statistics.fmean(
            abs(r["actual_halftime"] - r["halftime_point"]) for r in half
        ),
        "coverage90": 100 * sum(covered(r, 90) for r in half) / len(half),
        "coverage95": 100 * sum(covered(r, 95) for r in in95) / len(in95),
        "final_n": len(final),
        "final_mae": statistics.fmean(abs(r["actual_final"] - r["final_point"]) for r in final),
    }


@pytest.fixture
def night_day(night: RecordedNight) -> dt.date:
    Game.objects.bulk_create(Game(**row) for row in night.rows["game"])
    Prediction.objects.bulk_create(Prediction(**row) for row in night.rows["prediction"])
    return Game.objects.filter(prediction__isnull=False).first().game_date  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_panel_and_the_page_give_the_per_game_definitions(
    night: RecordedNight, night_day: dt.date
) -> None:
    expected = by_hand(night.rows["prediction"])
    assert expected["halftime_n"] > 0 and expected["final_n"] > 0
    panel = live_accuracy()
    report = accuracy_report(night_day, night_day)
    for name, value in expected.items():
        assert panel["overall"][name] == pytest.approx(value, rel=1e-12), name
        assert panel["by_date"][0][name] == pytest.approx(value, rel=1e-12), name
        assert getattr(report, name) == pytest.approx(value, rel=1e-12), name
