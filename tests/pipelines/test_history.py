"""Historical play-by-play -> minute dataset and replay night (pipelines/history.py)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command

from games.clock import period_end
from games.minutes import (
    MinuteValue,
    ScoreState,
    close_minutes,
    minute_series,
    states_from_live_playbyplay,
)
from pipelines.history import (
    HistoryError,
    build_replay_night,
    infer_home_team,
    load_season_games,
    minute_row,
    records_before,
    score_changes,
    write_minute_csv,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
LIVE_PBP = ROOT / "tests" / "fixtures" / "live_pbp"
SHARED_PBP = ROOT.parent / "shared/data/pbp/gabriel1200_playbyplay/regular_season"
REPLAY_DATE = dt.date(2025, 2, 10)


def live_actions(game_id: str) -> list[dict[str, Any]]:
    with gzip.open(LIVE_PBP / f"{game_id}_playbyplay.json.gz", "rt", encoding="utf-8") as f:
        actions: list[dict[str, Any]] = json.load(f)["game"]["actions"]
    return actions


def shipped_row(game_id: str) -> dict[str, str]:
    with gzip.open(DATA / "minute_history.csv.gz", "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["game_id"] == game_id:
                return row
    raise AssertionError(f"{game_id} is not in the shipped dataset")


def shipped_minutes(row: dict[str, str]) -> list[int]:
    values = [row[key] for key in row if key.startswith("m") and key[1:].isdigit()]
    return [int(value) for value in values if value != ""]


# --- synthetic parquet ----------------------------------------------------------


def event(
    game_id: int,
    number: int,
    period: int,
    clock: str,
    score: tuple[int, int],
    team: str,
    action: str = "rebound",
    made: bool | None = None,
    date: int = 20250210,
) -> dict[str, Any]:
    result = None if made is None else ("Made" if made else "Missed")
    return {
        "game_id": game_id,
        "date": date,
        "actionNumber": number,
        "period": period,
        "clock": clock,
        "scoreHome": score[0],
        "scoreAway": score[1],
        "actionType": action,
        "shotResult": result,
        "team": team,
    }


def regulation_game(date: int = 20250210) -> list[dict[str, Any]]:
    """DAL (home) beats PHI 5-3; a stale-score substitution row and an out-of-order action."""
    return [
        event(22400001, 5, 1, "PT11M30.00S", (0, 2), "PHI", "2pt", True, date),
        event(22400001, 9, 1, "PT10M50.00S", (3, 2), "DAL", "3pt", True, date),
        event(22400001, 10, 1, "PT10M50.00S", (0, 2), "PHI", "substitution", None, date),
        event(22400001, 30, 2, "PT05M00.00S", (3, 3), "PHI", "freethrow", True, date),
        event(22400001, 25, 4, "PT00M30.00S", (5, 3), "DAL", "2pt", True, date),
        event(22400001, 20, 4, "PT01M10.00S", (3, 3), "PHI", "2pt", False, date),
    ]


def overtime_game(date: int = 20250211) -> list[dict[str, Any]]:
    """PHI (home) beats DAL 4-2 in the first overtime."""
    return [
        event(22400002, 4, 1, "PT11M00.00S", (0, 2), "DAL", "2pt", True, date),
        event(22400002, 8, 4, "PT00M05.00S", (2, 2), "PHI", "2pt", True, date),
        event(22400002, 12, 5, "PT00M45.30S", (4, 2), "PHI", "2pt", True, date),
    ]


@pytest.fixture
def pbp_dir(tmp_path: Path) -> Path:
    """Two teams' season files; like the source, each game is in both files."""
    rows = pd.DataFrame(regulation_game() + overtime_game())
    for tricode in ("DAL", "PHI"):
        rows.to_parquet(tmp_path / f"{tricode}_2025_rs.parquet", index=False)
    return tmp_path


def test_it_deduplicates_orders_and_takes_the_running_max_of_scores(pbp_dir: Path) -> None:
    game = next(g for g in load_season_games(pbp_dir, [2025]) if g.game_id == "0022400001")

    assert [s.elapsed for s in game.states] == [30, 70, 70, 1140, 2810, 2850]
    assert [(s.home, s.away) for s in game.states] == [
        (0, 2),
        (3, 2),
        (3, 2),
        (3, 3),
        (3, 3),
        (5, 3),
    ]
    assert (game.final_home, game.final_away, game.periods) == (5, 3, 4)


def test_it_names_teams_from_the_static_team_list(pbp_dir: Path) -> None:
    game = next(iter(load_season_games(pbp_dir, [2025])))

    assert (game.game_id, game.date, game.season) == ("0022400001", REPLAY_DATE, 2025)
    assert (game.home.tricode, game.home.team_id, game.home.city, game.home.name) == (
        "DAL",
        1610612742,
        "Dallas",
        "Mavericks",
    )
    assert (game.away.tricode, game.away.name) == ("PHI", "76ers")


def test_a_row_runs_to_the_end_of_the_game_and_records_precede_it(pbp_dir: Path) -> None:
    regulation, overtime = (minute_row(g) for g in load_season_games(pbp_dir, [2025]))

    assert [key for key in regulation if key.startswith("m")][-1] == "m48"
    assert [key for key in overtime if key.startswith("m")][-1] == "m53"
    minutes = [regulation[f"m{m}"] for m in (1, 2, 24, 48)]
    assert minutes == [-2, 1, 0, 2]
    assert regulation["halftime_diff"] == regulation["m24"] == 0
    assert (overtime["m48"], overtime["m53"], overtime["final_diff"]) == (0, 2, 2)
    assert (regulation["home_wins"], regulation["away_losses"]) == (0, 0)
    assert (overtime["home_tricode"], overtime["home_wins"], overtime["home_losses"]) == (
        "PHI",
        0,
        1,
    )
    assert (overtime["away_wins"], overtime["away_losses"]) == (1, 0)


def test_the_csv_leaves_minutes_past_a_shorter_game_blank(pbp_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "minutes.csv.gz"
    write_minute_csv([minute_row(g) for g in load_season_games(pbp_dir, [2025])], out)

    frame = pd.read_csv(out, dtype={"game_id": str})
    assert frame["game_id"].tolist() == ["0022400001", "0022400002"]
    assert frame.columns[-1] == "m53"
    assert frame.loc[0, ["m49", "m53"]].isna().all()
    assert frame.loc[1, "m53"] == 2


def test_build_dataset_writes_the_csv_and_its_provenance(pbp_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "minute_history.csv.gz"
    call_command("build_dataset", pbp_dir=pbp_dir, out=out, seasons=[2025])

    assert len(pd.read_csv(out)) == 2
    provenance = (tmp_path / "minute_history.PROVENANCE.md").read_text()
    assert "00f6327c01d9da34f6a74e9efd5479fcccebcf02" in provenance
    assert "| rows | 2 games (1 with overtime) |" in provenance


# --- home team and records --------------------------------------------------------


def test_the_home_team_is_the_one_whose_made_shots_add_up_to_score_home() -> None:
    events = pd.DataFrame(regulation_game())
    assert infer_home_team(events) == ("DAL", "PHI")

    swapped = events.assign(team=events["team"].map({"DAL": "PHI", "PHI": "DAL"}))
    assert infer_home_team(swapped) == ("PHI", "DAL")


def test_it_refuses_to_guess_the_home_team_when_points_do_not_add_up() -> None:
    events = pd.DataFrame(regulation_game())
    events.loc[events["actionType"] == "3pt", "shotResult"] = "Missed"

    with pytest.raises(HistoryError, match="home team"):
        infer_home_team(events)


def test_records_count_only_games_on_earlier_dates() -> None:
    results = pd.DataFrame(
        [
            # game_id, date, home, away, final_home, final_away
            (3, 20250103, "AAA", "BBB", 99, 90),
            (1, 20250101, "AAA", "BBB", 100, 90),
            (2, 20250102, "CCC", "AAA", 100, 110),
            (4, 20250102, "BBB", "CCC", 80, 85),
            (5, 20250103, "CCC", "DDD", 90, 95),
        ],
        columns=["game_id", "date", "home", "away", "final_home", "final_away"],
    )

    records = records_before(results)

    assert records.loc[1].tolist() == [0, 0, 0, 0]
    assert records.loc[2].tolist() == [0, 0, 1, 0]  # CCC's game 4 is the same day
    assert records.loc[4].tolist() == [0, 1, 0, 0]
    assert records.loc[3].tolist() == [2, 0, 0, 2]
    assert records.loc[5].tolist() == [1, 1, 0, 0]


# --- live play-by-play JSON -------------------------------------------------------


@pytest.mark.parametrize("game_id", ["0022400712", "0022400740"])
def test_it_matches_live_playbyplay_minute_by_minute(game_id: str) -> None:
    actions = live_actions(game_id)
    periods = max(int(action["period"]) for action in actions)
    live = minute_series(states_from_live_playbyplay(actions), period_end(periods))

    row = shipped_row(game_id)
    assert len(live) == 48 + 5 * (periods - 4)
    assert live == shipped_minutes(row)
    assert int(row["periods"]) == periods
    assert live[23] == int(row["halftime_diff"])
    assert live[-1] == int(row["final_diff"])


def test_the_shipped_dataset_has_every_game_once() -> None:
    with gzip.open(DATA / "minute_history.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))

    assert len(rows) == len({row["game_id"] for row in rows}) == 4920
    assert all(row["halftime_diff"] == row["m24"] for row in rows)
    assert {row["season"] for row in rows} == {"2022", "2023", "2024", "2025"}


def test_live_states_carry_the_running_max_in_clock_order() -> None:
    actions = [
        {
            "actionNumber": 7,
            "period": 1,
            "clock": "PT11M00.00S",
            "scoreHome": "2",
            "scoreAway": "0",
        },
        {
            "actionNumber": 3,
            "period": 1,
            "clock": "PT11M30.00S",
            "scoreHome": "0",
            "scoreAway": "3",
        },
        {
            "actionNumber": 8,
            "period": 1,
            "clock": "PT11M00.00S",
            "scoreHome": "0",
            "scoreAway": "0",
        },
        {"actionNumber": 9, "period": 1, "clock": "", "scoreHome": "9", "scoreAway": "9"},
        {
            "actionNumber": 10,
            "period": 5,
            "clock": "PT04M59.50S",
            "scoreHome": "4",
            "scoreAway": "3",
        },
    ]

    assert states_from_live_playbyplay(actions) == [
        ScoreState(30, 0, 3),
        ScoreState(60, 2, 3),
        ScoreState(60, 2, 3),
        ScoreState(2880.5, 4, 3),
    ]


def test_the_live_path_closes_the_same_minutes_as_the_batch_series() -> None:
    # 0022400762 has free throws on a clock stopped at 45:00 (2700.0 s) and an overtime.
    states = states_from_live_playbyplay(live_actions("0022400762"))
    closed: list[MinuteValue] = []
    previous: ScoreState | None = None
    final = ScoreState(period_end(5), states[-1].home, states[-1].away)
    for state in [*states, final]:
        sealed = state is final
        closed += close_minutes(closed[-1].minute if closed else 0, previous, state, sealed)
        previous = state

    assert [m.differential for m in closed] == minute_series(states, period_end(5))
    assert closed[44].differential == 2  # minute 45 counts both free throws


# --- replay night -----------------------------------------------------------------


def shipped_night() -> dict[str, Any]:
    night: dict[str, Any] = json.loads((DATA / "replay_night.json").read_text())
    return night


def test_the_shipped_replay_night_has_the_documented_shape() -> None:
    night = shipped_night()

    assert (DATA / "replay_night.json").stat().st_size < 200_000
    assert set(night) == {"provenance", "date", "games"}
    assert set(night["provenance"]) == {"source", "commit", "license", "derived_by", "note"}
    assert night["provenance"]["license"] == "MIT"
    assert night["date"] == REPLAY_DATE.isoformat()
    assert 8 <= len(night["games"]) <= 12
    assert any(game["periods"] > 4 for game in night["games"])
    for game in night["games"]:
        assert set(game) == {"game_id", "home", "away", "periods", "events"}
        assert set(game["home"]) == {"team_id", "tricode", "city", "name", "wins", "losses"}
        elapsed = [e[0] for e in game["events"]]
        assert elapsed == sorted(elapsed)
        assert elapsed[-1] <= period_end(game["periods"])
        scores = [tuple(e[1:]) for e in game["events"]]
        assert all(a != b for a, b in zip([(0, 0), *scores], scores, strict=False))


def test_replay_night_events_are_the_live_score_changes() -> None:
    game = next(g for g in shipped_night()["games"] if g["game_id"] == "0022400762")
    live = score_changes(states_from_live_playbyplay(live_actions("0022400762")))

    assert game["events"] == live
    assert (game["away"]["tricode"], game["home"]["tricode"], game["periods"]) == ("SAC", "DAL", 5)


def test_score_changes_drop_repeated_scores() -> None:
    states = [ScoreState(5, 0, 0), ScoreState(10, 2, 0), ScoreState(12, 2, 0), ScoreState(20, 2, 3)]
    assert score_changes(states) == [[10, 2, 0], [20, 2, 3]]


@pytest.mark.skipif(not SHARED_PBP.is_dir(), reason="needs ../shared/data play-by-play")
def test_the_shipped_replay_night_is_rebuilt_from_the_source() -> None:
    rebuilt = json.loads(json.dumps(build_replay_night(SHARED_PBP, REPLAY_DATE)))
    assert rebuilt == shipped_night()


def test_team_names_follow_the_live_scoreboard(scoreboard_payload: dict[str, Any]) -> None:
    from pipelines.history import team_info

    for game in scoreboard_payload["scoreboard"]["games"]:
        for side in ("homeTeam", "awayTeam"):
            live = game[side]
            team = team_info(live["teamTricode"], 0, 0)
            assert (team.team_id, team.city, team.name) == (
                live["teamId"],
                live["teamCity"],
                live["teamName"],
            )
