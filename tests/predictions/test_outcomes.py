"""The actual halftime a forecast is scored on is the stored minute 24 when the task runs:
a late or retried task, or a minute the plays corrected since, never writes an older
value back."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from games.models import MinuteDifferential
from predictions.models import Prediction
from predictions.services import record_outcomes
from tests.games.test_plays import make_game

pytestmark = pytest.mark.django_db
GAME = "0022400762"


def forecast() -> Prediction:
    return Prediction.objects.create(
        game=make_game(GAME),
        model_name="ensemble",
        model_version="test",
        input_pattern=[0] * 18,
        halftime_point=2.0,
        halftime_lo90=-6,
        halftime_hi90=10,
        latency_ms=1.0,
    )


def test_the_stored_halftime_minute_wins_over_the_value_the_task_was_given(
    django_capture_on_commit_callbacks: Any,
) -> None:
    prediction = forecast()
    MinuteDifferential.objects.create(
        game_id=GAME,
        minute=24,
        home_score=60,
        away_score=55,
        differential=5,
        closed_at=timezone.now(),
    )  # rewritten from the plays after the poll queued its outcome (+4)
    with django_capture_on_commit_callbacks(execute=True):
        assert record_outcomes({GAME: (4, None)}) == 1
    prediction.refresh_from_db()
    assert prediction.actual_halftime == 5
    with django_capture_on_commit_callbacks(execute=True):
        assert record_outcomes({GAME: (4, None)}) == 0  # the old value, again: nothing


def test_without_a_stored_halftime_minute_the_given_value_is_recorded() -> None:
    prediction = forecast()
    assert record_outcomes({GAME: (-3, 7)}) == 1
    prediction.refresh_from_db()
    assert (prediction.actual_halftime, prediction.actual_final) == (-3, 7)
