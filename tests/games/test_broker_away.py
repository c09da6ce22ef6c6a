"""A poll whose follow-up cannot be queued (Redis restarting) stands: one warning, no
traceback; the next poll queues the plays' follow-up again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from kombu.exceptions import OperationalError

from games import tasks


def test_the_plays_follow_up_not_queued_is_a_warning_and_the_poll_stands(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.PLAYS_FOLLOW = True
    monkeypatch.setattr(tasks, "poll_exclusively", lambda: SimpleNamespace(outcome="ok"))

    def away(**options: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.follow_plays, "apply_async", away)
    assert tasks.poll_scoreboard() == "ok"
    [record] = [r for r in caplog.records if "not queued" in r.getMessage()]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert "the plays' follow-up" in record.getMessage()
