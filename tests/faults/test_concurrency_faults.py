"""Overlapping polls, a duplicated beat and two workers predicting the same game."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from games.feed.parser import parse_scoreboard
from games.services import POLL_LOCK_KEY, ingest_scoreboard, poll_exclusively
from predictions import services as prediction_services
from predictions.models import Prediction
from support.net import wait_for
from support.payloads import at_minute, board
from support.rows import StaticFeed, counts

pytestmark = pytest.mark.django_db(transaction=True)


class BlockingFeed(StaticFeed):
    """Holds its fetch until released, as a slow NBA.com would."""

    def __init__(self, *payloads: Any) -> None:
        super().__init__(*payloads)
        self.release = threading.Event()

    def fetch(self) -> dict[str, Any]:
        assert self.release.wait(timeout=20)
        return super().fetch()


def test_an_overlapping_poll_is_skipped_and_a_duplicated_beat_adds_nothing(
    redis_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="games.services")
    slow = BlockingFeed(board(at_minute(3.5, 5, 2)))
    runs: list[Any] = []

    def first_poll() -> None:
        try:
            runs.append(poll_exclusively(slow))
        finally:
            connection.close()

    worker = threading.Thread(target=first_poll)
    worker.start()
    wait_for(lambda: redis_client.get(POLL_LOCK_KEY) is not None, "the poll lock", interval=0.01)
    overlapping = StaticFeed(board(at_minute(3.5, 5, 2)))
    assert poll_exclusively(overlapping) is None  # the next beat, while the first still runs
    assert overlapping.payloads  # it did not even fetch
    slow.release.set()
    worker.join(timeout=30)
    assert runs and runs[0] is not None and runs[0].games == 1
    assert "poll skipped: the previous poll still holds the lock" in caplog.text

    before = counts()
    duplicate = poll_exclusively(StaticFeed(board(at_minute(3.5, 5, 2))))  # the beat, again
    assert duplicate is not None and duplicate.outcome == "ok"
    assert {**counts(), "polls": before["polls"]} == before


def test_two_workers_predicting_the_same_game_make_exactly_one_prediction(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("predictions.receivers.queue_prediction", lambda game_id: None)
    ingest_scoreboard(parse_scoreboard(board(at_minute(17.5, 30, 25))))
    ingest_scoreboard(parse_scoreboard(board(at_minute(18.2, 32, 25))))
    real = prediction_services.load_forecaster()
    both_forecasting = threading.Barrier(2, timeout=20)

    class RacingForecaster:  # both workers are past the "already predicted?" check
        def forecast(self, *args: Any) -> Any:
            both_forecasting.wait()
            return real.forecast(*args)

    monkeypatch.setattr(prediction_services, "load_forecaster", RacingForecaster)
    made: list[int] = []

    def worker() -> None:
        try:
            made.append(prediction_services.make_prediction("0042200163").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(made) == 2 and made[0] == made[1]  # both return the one row that stands
    assert Prediction.objects.count() == 1
    assert "prediction already made by another worker" in caplog.text
