"""evaluate_model scores every shipped model on any play-by-play directory: it refuses a
directory that misses files its own games need (one team's file alone once scored 72
games with wrong records and exited 0), and takes playoff files, whose teams' pre-game
strength comes from their regular season."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pipelines.directory import check_directory
from pipelines.pbp_evaluation import read_directory
from support.live_pbp import GAMES
from tests.pipelines.conftest import archive_rows

PLAYOFF_GAME = "0022400762"  # SAC 129 @ DAL 128 (OT), the latest of the three


def evaluate(pbp: Path, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "report.json"
    call_command(
        "evaluate_model", "--pbp", str(pbp), "--out", str(out), "--cache", str(tmp_path / "c"),
        "--no-progress", *extra,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_a_whole_directory_has_no_problem(pbp_dir: Path) -> None:
    check = check_directory(pbp_dir, [2025])
    assert check.whole and check.problems == ()
    [part] = check.parts
    assert (part.games, part.games_incomplete, part.teams_without_files) == (3, 0, ())


def test_a_directory_missing_a_teams_file_is_refused_and_names_the_team(
    pbp_dir: Path, tmp_path: Path
) -> None:
    (pbp_dir / "DAL_2025_rs.parquet").unlink()  # DAL plays two of the three games
    with pytest.raises(CommandError, match=r"1 teams play in its games without a file.*DAL"):
        evaluate(pbp_dir, tmp_path, "--models", "ensemble,minute")
    report = evaluate(pbp_dir, tmp_path, "--models", "ensemble,minute", "--allow-incomplete")
    assert report["games"] == 3  # scored as asked, and the report says what is wrong
    [problem] = report["directory"]["incomplete"]
    assert "DAL" in problem and "2 of 3 games are incomplete" in problem


def test_one_teams_file_alone_is_refused(pbp_dir: Path, tmp_path: Path) -> None:
    for path in pbp_dir.glob("*.parquet"):
        if not path.name.startswith("PHI_"):
            path.unlink()
    with pytest.raises(CommandError, match=r"DAL"):
        evaluate(pbp_dir, tmp_path)


def write_with_playoffs(directory: Path, *, regular_season: bool = True) -> Path:
    """Two games as the regular season, the last one as a playoff game (``_ps`` files)."""
    directory.mkdir(parents=True)
    files: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for game_id, date in GAMES.items():
        part = "ps" if game_id == PLAYOFF_GAME else "rs"
        if part == "rs" and not regular_season:
            continue
        rows = archive_rows(game_id, 2025, date)
        for team in {r["team"] for r in rows}:
            files[f"{team}_2025_{part}"] += rows
    for name, rows in files.items():
        pd.DataFrame(rows).to_parquet(directory / f"{name}.parquet")
    return directory


def test_playoff_games_are_scored_with_strength_from_the_regular_season(tmp_path: Path) -> None:
    pbp = write_with_playoffs(tmp_path / "pbp")
    assert check_directory(pbp, [2025]).whole
    rows = {row.game_id: row for row in read_directory(pbp, [2025])}
    assert set(rows) == set(GAMES)
    playoff = rows[PLAYOFF_GAME]  # SAC @ DAL: DAL lost its regular-season game at PHI
    assert (playoff.home, playoff.home_wins, playoff.home_losses) == ("DAL", 0, 1)
    assert (playoff.away, playoff.away_wins, playoff.away_losses) == ("SAC", 0, 0)
    report = evaluate(pbp, tmp_path)
    assert report["games"] == 3 and report["per_minute"]["games"] == 3
    assert report["state_model"]["playoff_games"] == 1
    assert report["state_model"]["games"] == 3


def test_playoff_files_without_their_regular_season_are_refused(tmp_path: Path) -> None:
    pbp = write_with_playoffs(tmp_path / "pbp", regular_season=False)
    with pytest.raises(CommandError, match="playoff files without the regular season"):
        evaluate(pbp, tmp_path)
