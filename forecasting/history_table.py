"""Reading the shipped per-game minute table without pandas (serving must stay light)."""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TRAIN_SEASONS = (2022, 2023)  # 2021-22, 2022-23
CALIBRATION_SEASONS = (2024,)  # 2023-24
TEST_SEASONS = (2025,)  # 2024-25: never tune on it


@dataclass(frozen=True, slots=True)
class HistoryRow:
    game_id: str
    date: str
    season: int
    home: str
    away: str
    minutes: tuple[int, ...]  # minute 1..N differentials
    halftime_diff: int
    final_diff: int
    home_wins: int
    home_losses: int
    away_wins: int
    away_losses: int


def read_history(path: Path, seasons: Sequence[int] | None = None) -> list[HistoryRow]:
    rows: list[HistoryRow] = []
    with gzip.open(path, "rt", newline="") as handle:
        for raw in csv.DictReader(handle):
            season = int(raw["season"])
            if seasons is not None and season not in seasons:
                continue
            minutes: list[int] = []
            index = 1
            while (value := raw.get(f"m{index}")) not in (None, ""):
                minutes.append(int(float(value)))
                index += 1
            rows.append(
                HistoryRow(
                    game_id=raw["game_id"],
                    date=raw["date"],
                    season=season,
                    home=raw["home_tricode"],
                    away=raw["away_tricode"],
                    minutes=tuple(minutes),
                    halftime_diff=int(raw["halftime_diff"]),
                    final_diff=int(raw["final_diff"]),
                    home_wins=int(raw["home_wins"]),
                    home_losses=int(raw["home_losses"]),
                    away_wins=int(raw["away_wins"]),
                    away_losses=int(raw["away_losses"]),
                )
            )
    return rows


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
