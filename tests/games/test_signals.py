"""games announces what a poll closed only once the poll has committed."""

from __future__ import annotations

from typing import Any

import pytest

from games import signals
from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from support.payloads import at_minute, board

pytestmark = pytest.mark.django_db
GAME = "0042200163"


@pytest.fixture
def heard() -> Any:
    received: list[tuple[str, dict[str, Any]]] = []

    def minutes(sender: Any, **kwargs: Any) -> None:
        received.append(("minutes_closed", kwargs["closed"]))

    def due(sender: Any, **kwargs: Any) -> None:
        received.append(("halftime_forecast_due", {"game_id": kwargs["game_id"]}))

    signals.minutes_closed.connect(minutes, dispatch_uid="test")
    signals.halftime_forecast_due.connect(due, dispatch_uid="test")
    yield received
    signals.minutes_closed.disconnect(dispatch_uid="test")
    signals.halftime_forecast_due.disconnect(dispatch_uid="test")


def test_closed_minutes_and_the_halftime_forecast_are_announced_after_commit(
    heard: list[tuple[str, dict[str, Any]]],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("predictions.receivers.queue_prediction", lambda game_id: None)
    monkeypatch.setattr("predictions.receivers.queue_live_forecasts", lambda games: None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest_scoreboard(parse_scoreboard(board(at_minute(15.5, 30, 25))))
        ingest_scoreboard(parse_scoreboard(board(at_minute(18.2, 34, 25))))
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert heard == [
        ("minutes_closed", {GAME: list(range(1, 16))}),
        ("minutes_closed", {GAME: [16, 17, 18]}),
        ("halftime_forecast_due", {"game_id": GAME}),
    ]


def test_a_failing_receiver_is_logged_and_does_not_fail_the_poll(
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(games: list[Any]) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("predictions.receivers.queue_live_forecasts", broken)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_scoreboard(parse_scoreboard(board(at_minute(2.5, 4, 2))))
    assert result.minutes == 2
    assert "broker down" in caplog.text
