"""The status panel's live accuracy and the accuracy page's report agree, on the recorded
night's predictions (their outcomes recorded as the night went on)."""

from __future__ import annotations

import math

import pytest

from dashboard.accuracy import accuracy_report
from dashboard.services import live_accuracy
from games.models import Game
from predictions.models import Prediction
from tests.support.night import RecordedNight


@pytest.fixture
def night_predictions(night: RecordedNight) -> list[Prediction]:
    Game.objects.bulk_create(Game(**row) for row in night.rows["game"])
    rows = night.rows["prediction"]
    predictions = Prediction.objects.bulk_create(Prediction(**row) for row in rows)
    assert any(p.actual_halftime is not None for p in predictions)
    return predictions


@pytest.mark.django_db
def test_live_accuracy_and_the_accuracy_report_agree(night_predictions: list[Prediction]) -> None:
    day = night_predictions[0].game.game_date
    overall = live_accuracy()["overall"]
    report = accuracy_report(day, day)
    for name in ("halftime_n", "halftime_mae", "coverage90", "coverage95", "final_n", "final_mae"):
        a, b = overall[name], getattr(report, name)
        assert a == b or math.isclose(a, b, rel_tol=1e-12), (name, a, b)
