"""A tiny play-by-play directory in the archive's layout, built from the committed real
live payloads (tests/fixtures/live_pbp): each game as the archive keeps it (team events
only, qualifiers as the text of a list), in both teams' ``{TEAM}_{YYYY}_rs.parquet``."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from pipelines.possession_check import ARCHIVE_KINDS
from support.live_pbp import GAMES, raw_actions


def archive_rows(game_id: str, season: int, date: str) -> list[dict[str, Any]]:
    """The archive's rows of a live game, relabelled into ``season`` (END year)."""
    number = int(f"2{str(season - 1)[2:]}{game_id[5:]}")  # 0022400712 -> 22400712 for 2025
    day = int(date.replace("-", "")) - (2025 - season) * 10000
    rows = []
    for a in raw_actions(game_id):
        if a["actionType"] not in ARCHIVE_KINDS or not a.get("teamTricode"):
            continue
        rows.append(
            {
                "game_id": number,
                "date": day,
                "actionNumber": int(a["actionNumber"]),
                "period": int(a["period"]),
                "clock": a["clock"],
                "scoreHome": int(a["scoreHome"]),
                "scoreAway": int(a["scoreAway"]),
                "actionType": a["actionType"],
                "description": a.get("description", ""),
                "qualifier": str(list(a.get("qualifiers") or [])),
                "shotResult": a.get("shotResult"),
                "team": a["teamTricode"],
            }
        )
    return rows


def write_directory(directory: Path, seasons: tuple[int, ...]) -> Path:
    import pandas as pd

    directory.mkdir(parents=True, exist_ok=True)
    for season in seasons:
        by_team: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for game_id, date in GAMES.items():
            rows = archive_rows(game_id, season, date)
            for team in {r["team"] for r in rows}:
                by_team[team] += rows  # each game in both teams' files, as the archive
        for team, rows in by_team.items():
            pd.DataFrame(rows).to_parquet(directory / f"{team}_{season}_rs.parquet")
    return directory


@pytest.fixture
def pbp_dir(tmp_path: Path) -> Path:
    """One season (2024-25) of three real games (one in regulation, two in overtime)."""
    return write_directory(tmp_path / "pbp", (2025,))


@pytest.fixture(scope="module")
def four_seasons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same three games relabelled into 2021-22 .. 2024-25 (training, calibration and
    test seasons of a tiny pipeline run)."""
    return write_directory(tmp_path_factory.mktemp("pbp4"), (2022, 2023, 2024, 2025))
