"""The replay's derived payloads against reality: the 60 recorded live games of
2025-02-02..2025-02-10 (real PlayByPlay and final BoxScore payloads, read from ../shared,
extracted to a temporary folder only) vs what games.feed.replay_plays derives from the
committed play archive (data/plays_2024-25). The figures are in docs/replay.md
(``python manage.py check_replay_plays``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from games.feed.replay_plays import game_dates, load_night
from pipelines.replay_check import MINUTES_TOLERANCE_SECONDS, agreement, read_recorded_games

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = (
    ROOT.parent / "shared/data/live_samples/iszk1215_nba_pbp/iszk1215_nba_pbp_doc_games_60.tar.xz"
)
PLAYS = ROOT / "data" / "plays_2024-25"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_file(), reason="needs ../shared/data/live_samples (the recorded games)"
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    recorded = read_recorded_games(SAMPLES)
    dates = game_dates(PLAYS)
    games = {}
    for day in sorted({dates[r.game_id] for r in recorded}):
        for game in load_night(day, PLAYS).games:
            games[game.game_id] = game
    comparison, missing = agreement(games, recorded)
    assert missing == []
    return comparison.as_dict()


def rate(report: dict[str, Any], *path: str) -> float:
    node: Any = report
    for key in path:
        node = node[key]
    return float(node["rate"])


def test_all_sixty_games_are_compared(report: dict[str, Any]) -> None:
    assert report["games"] == 60
    assert report["final_score"]["total"] == 120


def test_scores_and_scoring_plays_match(report: dict[str, Any]) -> None:
    assert rate(report, "final_score") == 1.0
    assert rate(report, "line_score") == 1.0
    assert rate(report, "running_score") >= 0.998
    assert rate(report, "scoring_plays") >= 0.998
    assert report["scoring_sequence_games"]["agree"] >= 58


def test_every_source_action_is_served_and_only_unrecoverable_kinds_are_missing(
    report: dict[str, Any],
) -> None:
    missing = report["real_actions_not_in_replay"]
    assert set(missing) <= {
        "violation",
        "ejection",
        "jumpball heldball",
        "jumpball challenge",
        "jumpball lodgedball",
        "jumpball unclearpass",
    }
    assert rate(report, "synthesised_rows_matched") == 1.0  # period, opening jump ball, game


def test_possession_agrees_with_the_feeds_field(report: dict[str, Any]) -> None:
    assert rate(report, "possession") >= 0.99
    assert rate(report, "possession_source_rows") >= 0.99
    assert rate(report, "possession_synthesised_rows") == 1.0


def test_derived_action_fields_match(report: dict[str, Any]) -> None:
    fields = report["action_fields"]
    exact = (
        "description",
        "personId",
        "teamId",
        "qualifiers",
        "shotResult",
        "pointsTotal",
        "assistTotal",
        "reboundTotal",
        "reboundOffensiveTotal",
        "turnoverTotal",
        "shotActionNumber",
        "personIdsFilter",
    )
    for key in exact:
        assert fields[key]["rate"] == 1.0, key
    for key in ("subType", "descriptor", "playerNameI", "foulPersonalTotal"):
        assert fields[key]["rate"] >= 0.999, key


def test_team_box_scores_match_at_the_end(report: dict[str, Any]) -> None:
    teams = report["team_statistics"]
    exact = (
        "points",
        "fieldGoalsMade",
        "fieldGoalsAttempted",
        "threePointersMade",
        "threePointersAttempted",
        "freeThrowsMade",
        "freeThrowsAttempted",
        "reboundsOffensive",
        "reboundsDefensive",
        "reboundsTotal",
        "reboundsTeam",
        "assists",
        "steals",
        "blocks",
        "turnovers",
        "turnoversTotal",
        "foulsPersonal",
        "foulsDrawn",
        "minutes",
        "benchPoints",
        "pointsInThePaint",
        "pointsSecondChance",
        "pointsFastBreak",
        "pointsFromTurnovers",
        "leadChanges",
        "timesTied",
        "biggestLead",
        "foulsTechnical",
        "foulsTeamTechnical",
    )
    for key in exact:
        assert teams[key]["rate"] == 1.0, (key, teams[key])
    assert teams["foulsTeam"]["rate"] >= 0.98
    assert teams["timeLeading"]["rate"] >= 0.95  # within 1 s
    # Documented as approximate (docs/replay.md): challenge timeouts look like full ones;
    # the box's end-of-game bonus flag; NBA's scoring-run rule.
    assert teams["timeoutsRemaining"]["rate"] >= 0.8
    assert teams["inBonus"]["rate"] >= 0.75
    assert teams["biggestScoringRun"]["rate"] >= 0.6


def test_player_box_scores_match_at_the_end(report: dict[str, Any]) -> None:
    assert rate(report, "players_listed") == 1.0
    assert rate(report, "starters") == 1.0
    players = report["player_statistics"]
    for key in (
        "points",
        "reboundsOffensive",
        "reboundsDefensive",
        "reboundsTotal",
        "assists",
        "steals",
        "blocks",
        "turnovers",
        "foulsPersonal",
        "foulsDrawn",
        "fieldGoalsMade",
        "fieldGoalsAttempted",
        "threePointersMade",
        "threePointersAttempted",
        "freeThrowsMade",
        "freeThrowsAttempted",
        "nameI",
        "familyName",
    ):
        assert players[key]["rate"] == 1.0, (key, players[key])
    assert players["foulsTechnical"]["rate"] == 1.0
    assert players["plusMinusPoints"]["rate"] >= 0.97
    assert rate(report, "plus_minus_within_2_points") >= 0.998
    minutes = report["minutes_within_tolerance"]
    assert minutes["tolerance_seconds"] == MINUTES_TOLERANCE_SECONDS
    assert minutes["rate"] == 1.0
    assert minutes["abs_error_p95"] <= 2.0


def test_the_synthesised_wall_clock_has_real_game_lengths(report: dict[str, Any]) -> None:
    wall = report["time_actual"]
    assert 0.9 <= wall["game_length_ratio_median"] <= 1.1
    assert wall["game_length_ratio_min"] >= 0.8 and wall["game_length_ratio_max"] <= 1.2
