"""Start-up errors are one line naming the variable and the fix (issue 19, Why 6), and
/healthz judges only the polls made since this stack's beat started."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from games.models import PollRun, StackRun
from games.services import poll_scoreboard
from livescores.celery_app import start_stack_run
from support.payloads import at_minute, board
from support.rows import StaticFeed

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "FEED": "replay", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["check_startup", "migrate"])
def test_a_malformed_replay_date_is_one_line_naming_it_and_the_fix(command: str) -> None:
    line = one_line(manage(command, REPLAY_DATE="garbage"))
    assert "REPLAY_DATE must be a date YYYY-MM-DD, got 'garbage'" in line
    assert "REPLAY_DATE=2025-02-10" in line and "unset it" in line


def test_a_night_without_games_is_one_line_before_anything_starts() -> None:
    line = one_line(manage("check_startup", REPLAY_DATE="2024-12-24"))
    assert "REPLAY_DATE=2024-12-24: no games on 2024-12-24" in line
    assert "REPLAY_DATE=2025-02-10" in line
    line = one_line(manage("reset_replay", REPLAY_DATE="2024-12-24"))
    assert "no games on 2024-12-24" in line


def test_a_missing_replay_file_is_one_line() -> None:
    line = one_line(manage("check_startup", REPLAY_FILE="/nonexistent/night.json"))
    assert "REPLAY_FILE=/nonexistent/night.json" in line and "FileNotFoundError" in line


def test_a_good_replay_night_says_what_will_be_replayed() -> None:
    result = manage("check_startup", REPLAY_DATE="2025-03-15")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the replay plays 2025-03-15 (8 games)"


def test_bin_up_checks_before_starting_any_service() -> None:
    script = (ROOT / "bin" / "up").read_text()
    assert script.index("manage.py check_startup") < script.index("ensure_services")


@pytest.mark.django_db
def test_healthz_judges_only_the_polls_since_this_stack_started(redis_client: Any) -> None:
    poll_scoreboard(StaticFeed(board(at_minute(3.5, 5, 2))))  # the previous stack's poll
    assert Client().get("/healthz").status_code == 200
    PollRun.objects.update(started_at=timezone.now() - dt.timedelta(seconds=20))

    start_stack_run()  # ./bin/up again: the beat starts, nothing polled yet
    run = StackRun.current()
    assert run is not None
    response = Client().get("/healthz")
    assert response.status_code == 503
    poll = response.json()["checks"]["poll"]
    assert poll["run"] == run.run_id and poll["last_ok"] is None

    poll_scoreboard(StaticFeed(board(at_minute(4.5, 7, 2))))  # this stack's first poll
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["checks"]["poll"]["ok"]

    start_stack_run()  # and each start is a new run
    again = StackRun.current()
    assert again is not None and again.run_id != run.run_id
