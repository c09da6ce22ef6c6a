"""``evaluate_model`` on a tiny play-by-play directory, and the per-minute rows it scores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from pipelines.minute_data import GameRecord, MinuteRows, forecast_minutes, season_strengths

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

# (game id, date, home, away, overtime?) — season 2024-25, real tricodes (nba_api's team list)
GAMES = [
    (22400001, 20241022, "BOS", "NYK", False),
    (22400002, 20241022, "LAL", "GSW", False),
    (22400003, 20241024, "NYK", "LAL", True),
    (22400004, 20241024, "GSW", "BOS", False),
    (22400005, 20241026, "BOS", "LAL", False),
    (22400006, 20241026, "GSW", "NYK", False),
]


def _clock(seconds_left: float) -> str:
    minutes, seconds = divmod(seconds_left, 60)
    return f"PT{int(minutes):02d}M{seconds:05.2f}S"


def _game_rows(game_id: int, day: int, home: str, away: str, overtime: bool, rng) -> list[dict]:
    rows: list[dict] = []
    score = {home: 0, away: 0}

    def add(period: int, left: float, team: str, kind: str) -> None:
        score[team] += {"3pt": 3, "2pt": 2, "freethrow": 1}[kind]
        rows.append(
            {
                "game_id": game_id, "date": day, "actionNumber": len(rows) + 1,
                "period": period, "clock": _clock(left), "scoreHome": score[home],
                "scoreAway": score[away], "actionType": kind, "shotResult": "Made",
                "team": team,
            }
        )  # fmt: skip

    for period in range(1, 5):
        for left in np.arange(700.0, 5.0, -40.0):
            team = home if rng.random() < 0.52 else away
            add(period, float(left), team, "3pt" if rng.random() < 0.3 else "2pt")
    gap = score[home] - score[away]
    trailing = away if gap > 0 else home
    if overtime:  # tie it at the buzzer, then the home side wins overtime
        for _ in range(abs(gap)):
            add(4, 0.5, trailing, "freethrow")
        add(5, 200.0, home, "2pt")
    elif gap == 0:
        add(4, 0.5, home, "freethrow")
    return rows


def build_pbp_dir(directory: Path) -> None:
    rng = np.random.default_rng(3)
    by_team: dict[str, list[dict]] = {}
    for game_id, day, home, away, overtime in GAMES:
        rows = _game_rows(game_id, day, home, away, overtime, rng)
        for team in (home, away):  # every game is in both teams' files, like the source
            by_team.setdefault(team, []).extend(rows)
    directory.mkdir(parents=True)
    for team, rows in by_team.items():
        pd.DataFrame(rows).to_parquet(directory / f"{team}_2025_rs.parquet", index=False)


def test_evaluate_model_writes_halftime_final_and_per_minute_sections(tmp_path: Path) -> None:
    pbp = tmp_path / "pbp"
    build_pbp_dir(pbp)
    out, md, svg = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "rel.svg"
    args = [
        "evaluate_model", "--pbp", str(pbp), "--out", str(out), "--season", "2025",
        "--markdown", str(md), "--svg", str(svg), "--no-progress", "--models", "ensemble,minute",
    ]  # fmt: skip
    code = (  # a fresh interpreter, so the torch check sees only what the command imports
        "import sys, django; django.setup()\n"
        "from django.core.management import call_command\n"
        f"call_command(*{args!r})\n"
        "assert 'torch' not in sys.modules, 'evaluate_model imported torch'\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "livescores.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["games"] == len(GAMES) and report["season"] == [2025]
    assert set(report["halftime"]["mae"]) >= {"B0", "ensemble"}
    assert set(report["final"]["mae"]) >= {"B0", "ensemble"}
    assert "ensemble" in report["win_probability"]
    pm = report["per_minute"]
    assert pm["games"] == len(GAMES) and pm["rows_minutes_1_47"] == 47 * len(GAMES)
    for name in ("model", "stern", "logistic", "strength_logistic"):
        assert 0 < pm["mean_brier"][name] < 1 and pm["mean_log_loss"][name] > 0
    for key in ("brier_vs_stern", "brier_vs_strength_logistic"):
        ci = pm[key]
        assert ci["ci95_low"] <= ci["estimate"] <= ci["ci95_high"]
    assert [row["minute"] for row in pm["minutes"]] == list(range(1, 48))
    assert len(pm["reliability"]["bins"]) == 10 and pm["reliability"]["ece"] >= 0
    assert sum(b["n"] for b in pm["reliability"]["bins"]) == 47 * len(GAMES)
    assert set(pm["final_margin"]) == {"Q1", "Q2", "Q3", "Q4", "OT"}
    assert pm["overtime"] == {**pm["overtime"], "games": 1, "rows": 4}
    for quarter in pm["final_margin"].values():
        assert 0 <= quarter["coverage90"] <= quarter["coverage95"] <= 100
    assert set(pm["targets"]) == {
        "mean_brier_le_0.90_stern",
        "below_strength_logistic_ci_below_zero",
        "reliability_every_bin_within_3pp",
        "coverage90_within_2pp_each_quarter",
    }
    assert "## Per-minute forecasts" in md.read_text()
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg") and "observed home win rate" in svg.read_text()


def test_pre_game_strength_counts_earlier_dates_of_the_same_season_only() -> None:
    minutes = tuple([1] * 48)
    games = [
        GameRecord("1", "2024-10-22", 2025, "BOS", "NYK", minutes, 10),
        GameRecord("2", "2024-10-22", 2025, "NYK", "BOS", minutes, 4),  # same date: not counted
        GameRecord("3", "2024-10-24", 2025, "BOS", "LAL", minutes, -2),
        GameRecord("4", "2025-10-21", 2026, "BOS", "LAL", minutes, 5),  # next season: fresh
    ]
    (h_games, h_wp, h_margin), (a_games, a_wp, a_margin) = season_strengths(games)
    assert h_games.tolist() == [0, 0, 2, 0] and a_games.tolist() == [0, 0, 0, 0]
    assert h_wp[2] == 0.5 and h_margin[2] == pytest.approx((10 - 4) / 2)
    assert h_wp[0] == 0.5 and h_margin[0] == 0.0
    assert a_wp.tolist() == [0.5] * 4 and a_margin.tolist() == [0.0] * 4


def test_rows_cover_every_forecast_minute_and_skip_ends_of_periods() -> None:
    assert forecast_minutes(48) == list(range(1, 48))
    assert forecast_minutes(58) == [*range(1, 48), 49, 50, 51, 52, 54, 55, 56, 57]
    ot = GameRecord("1", "2024-10-22", 2025, "BOS", "NYK", tuple(range(53)), 3)
    rows = MinuteRows.build([ot])
    assert len(rows) == 51 and rows.margin[-1] == 51 and rows.home_win.all()


def test_record_ensemble_test_metrics_writes_the_card_only(tmp_path: Path) -> None:
    import pipelines.evaluation as evaluation

    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "model.json").write_text(json.dumps({"version": "v", "test_metrics": None}))
    written = evaluation.record_test_metrics({"halftime": {"mae": 1.0}}, artifact)
    card = json.loads(written.read_text())
    assert card == {"version": "v", "test_metrics": {"halftime": {"mae": 1.0}}}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["model.json"]
