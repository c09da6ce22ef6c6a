"""The 2024-25 timeline archive (pipelines/archive.py) and REPLAY_DATE."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from forecasting.history_table import read_history
from games.clock import period_end
from games.feed.archive import ArchiveError, archive_dates, read_archive, replay_night_from_archive
from games.feed.parser import parse_scoreboard
from games.feed.select import build_replay_feed
from games.minutes import ScoreState, minute_series

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE = ROOT / "data" / "timelines_2024-25.jsonl.gz"
PROVENANCE = ROOT / "data" / "timelines_2024-25.PROVENANCE.md"
SHARED_PBP = ROOT.parent / "shared/data/pbp/gabriel1200_playbyplay/regular_season"
STARTED = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)


def states(line: dict[str, Any]) -> list[ScoreState]:
    return [ScoreState(float(e), int(h), int(a)) for e, h, a in line["events"]]


def test_the_archive_holds_the_whole_season_and_matches_the_minute_table() -> None:
    lines = list(read_archive(ARCHIVE))
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE, [2025])}
    assert len(lines) == len(history) == 1230
    assert {line["game_id"] for line in lines} == set(history)
    assert ARCHIVE.stat().st_size <= 20 * 1024 * 1024
    for line in lines:
        row = history[line["game_id"]]
        assert line["date"] == row.date and line["season"] == 2025
        assert (line["home"]["tricode"], line["away"]["tricode"]) == (row.home, row.away)
        assert (line["home"]["wins"], line["home"]["losses"]) == (row.home_wins, row.home_losses)
        assert (line["away"]["wins"], line["away"]["losses"]) == (row.away_wins, row.away_losses)
        # Score changes only, in order, ending on the final score.
        scores = [(h, a) for _, h, a in line["events"]]
        assert all(x != y for x, y in itertools.pairwise(scores))
        assert [e for e, _, _ in line["events"]] == sorted(e for e, _, _ in line["events"])
        assert list(scores[-1]) == line["final"]
        # The minute series replayed from the timeline is the training table's row.
        end = period_end(line["periods"])
        assert minute_series(states(line), end) == list(row.minutes)
        assert line["final"][0] - line["final"][1] == row.final_diff


def test_the_shipped_night_is_the_archives_night() -> None:
    shipped = json.loads((ROOT / "data" / "replay_night.json").read_text())
    night = replay_night_from_archive(ARCHIVE, dt.date.fromisoformat(shipped["date"]))
    assert night["games"] == shipped["games"]


def test_the_provenance_names_the_files_checksum_and_counts() -> None:
    text = PROVENANCE.read_text()
    assert hashlib.sha256(ARCHIVE.read_bytes()).hexdigest() in text
    assert "00f6327c01d9da34f6a74e9efd5479fcccebcf02" in text and "MIT" in text
    assert f"{len(list(read_archive(ARCHIVE)))} (" in text
    assert f"{len(archive_dates(ARCHIVE))} dates" in text


def test_replay_date_plays_that_night_to_its_real_final_scores(settings: Any) -> None:
    settings.REPLAY_DATE = dt.date(2025, 1, 15)
    feed = build_replay_feed()
    expected = {line["game_id"]: line for line in read_archive(ARCHIVE, feed.night, feed.night)}
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE, [2025])}
    assert feed.night == dt.date(2025, 1, 15) and len(expected) > 1
    first = parse_scoreboard(feed.board.payload(0, STARTED))
    assert first.game_date == dt.date(2025, 1, 15)
    final = parse_scoreboard(feed.board.payload(feed.board.last_tick(), STARTED))
    assert final.rejected == [] and {g.game_id for g in final.games} == set(expected)
    for game in final.games:
        assert game.status == 3
        assert [game.home.score, game.away.score] == expected[game.game_id]["final"]
        assert game.differential == history[game.game_id].final_diff


def test_a_date_without_games_fails_loudly(settings: Any) -> None:
    settings.REPLAY_DATE = dt.date(2024, 12, 24)  # no NBA games on Christmas Eve
    with pytest.raises(ArchiveError, match="no games on 2024-12-24"):
        build_replay_feed()


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "15/01/2025"])
def test_a_malformed_replay_date_stops_start_up(value: str) -> None:
    result = run_manage("check", REPLAY_DATE=value)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr  # one line naming the variable and the fix
    assert f"REPLAY_DATE must be a date YYYY-MM-DD, got {value!r}" in result.stderr


def test_bin_up_replay_reset_refuses_a_date_outside_the_archive() -> None:
    # bin/up runs reset_replay before starting anything: a bad night stops it there.
    result = run_manage("reset_replay", REPLAY_DATE="2023-01-15")
    assert result.returncode != 0
    assert "no games on 2023-01-15" in result.stderr


@pytest.mark.skipif(not SHARED_PBP.is_dir(), reason="needs ../shared/data play-by-play")
def test_build_archive_regenerates_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "timelines_2024-25.jsonl.gz"
    call_command("build_archive", "--pbp-dir", str(SHARED_PBP), "--out", str(out))
    assert out.read_bytes() == ARCHIVE.read_bytes()
    assert (tmp_path / "timelines_2024-25.PROVENANCE.md").read_text() == PROVENANCE.read_text()
