"""pipelines.state_dataset: states sampled from an archive-layout directory."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from pipelines.state_dataset import (
    GRID_SECONDS,
    KIND_FREE_THROWS,
    KIND_GRID,
    KIND_SCORING,
    GameInfo,
    StateTable,
    build_table,
    load_tables,
    pregame_table,
    whole_minute_rows,
)

FINALS = {"0022400712": (118 - 116, 4), "0022400740": (135 - 127, 5), "0022400762": (128 - 129, 5)}


def test_games_their_home_side_and_final(pbp_dir: Path) -> None:
    table = build_table(pbp_dir, 2025)
    got = {g.game_id: (g.final_margin, g.periods) for g in table.games}
    assert got == FINALS
    assert {(g.home, g.away) for g in table.games} == {
        ("PHI", "DAL"),
        ("PHX", "UTA"),
        ("DAL", "SAC"),
    }
    assert all(g.free_throws_attempted > g.free_throws_made > 0 for g in table.games)


def test_every_ten_seconds_every_score_and_every_free_throw_foul(pbp_dir: Path) -> None:
    table = build_table(pbp_dir, 2025)
    for index, game in enumerate(table.games):
        rows = table.game == index
        end = 2880 + 300 * (game.periods - 4)
        grid = rows & ((table.kind & KIND_GRID) > 0)
        assert grid.sum() == math.ceil(end / GRID_SECONDS) - 1
        assert np.all(np.diff(table.rows["elapsed"][grid]) == GRID_SECONDS)
        assert (rows & ((table.kind & KIND_SCORING) > 0)).sum() > 50
        assert (rows & (table.kind == KIND_FREE_THROWS)).sum() > 10
        assert np.all(table.rows["seconds_left"][rows] > 0)
        assert whole_minute_rows(table)[rows].sum() == 47
    fts = table.kind == KIND_FREE_THROWS
    assert np.all(table.rows["ft_pending"][fts] != 0)  # the shots still to come
    assert np.isnan(table.rows["possession"]).mean() < 0.01


def test_overtime_rows_count_down_the_overtime_period(pbp_dir: Path) -> None:
    table = build_table(pbp_dir, 2025)
    ot = table.rows["period"] >= 5
    assert ot.any()
    assert table.rows["seconds_left"][ot].max() <= 300


def test_tables_are_cached(pbp_dir: Path, tmp_path: Path) -> None:
    first = load_tables(pbp_dir, [2025], tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    again = load_tables(pbp_dir, [2025], tmp_path / "cache")
    np.testing.assert_array_equal(first.rows["margin"], again.rows["margin"])
    assert first.games == again.games
    both = StateTable.concat([first, again])
    assert len(both.games) == 6 and both.game.max() == 5


def _game(game_id: str, season: int, date: str, home: str, away: str, margin: int) -> GameInfo:
    return GameInfo(game_id, season, date, home, away, margin, 4, False)


def test_pregame_records_prior_season_and_rest() -> None:
    """A synthetic schedule: A beat B by 10 last season; this season A beats B by 6, then
    wins at C by 4 the next day (a back-to-back) while B plays D: same-date games do not
    count toward each other."""
    games = [
        _game("1", 2024, "2023-11-01", "A", "B", 10),
        _game("2", 2025, "2024-11-01", "A", "B", 6),
        _game("3", 2025, "2024-11-02", "C", "A", -4),
        _game("4", 2025, "2024-11-02", "B", "D", 2),
        _game("5", 2025, "2024-11-05", "A", "B", 1),
    ]
    pre = pregame_table(games)
    assert pre.home_prior[1] == 10.0 and pre.away_prior[1] == -10.0  # last season's average
    assert not pre.has_prior[0] and pre.has_prior[1]  # 2023-24 has no season before it
    assert (pre.away_games[2], pre.away_margin_sum[2]) == (1, 6)  # A before game 3
    assert pre.away_rest[2] == 1  # A on a back-to-back
    assert (pre.home_games[4], pre.home_margin_sum[4]) == (2, 10)  # A: +6, +4
    assert pre.home_rest[4] == 3 and np.isnan(pre.home_rest[1])
    nr = pre.net_rating(5.0)
    assert nr[4] == 10 / 7 - (-6 + 2) / 7
    strength = pre.strength(10.0, 0.5)
    assert strength[1] == (0 + 10 * 0.5 * 10) / 10 - (0 + 10 * 0.5 * -10) / 10
