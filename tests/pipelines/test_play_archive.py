"""The play archive's builder: description parsing, lineups, synthesised rows, possession,
the wall clock, and whole games rebuilt from the committed real live payloads
(tests/fixtures/live_pbp) as the parquet archive keeps them.

The builder reads only what the archive holds (the live feed's own rows for ten action
kinds, unchanged: ``archive_rows`` below mirrors it), so a game rebuilt from its real live
payload must give back that payload's scores, plays and possession.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from games.feed.replay_plays import GamePlays, PlayNight
from games.playstate import AWAY, HOME
from pipelines.play_archive import (
    ACTION_FIELDS,
    ArchiveAction,
    SourceAction,
    build_game,
    name_initial,
    night_document,
    parse_sub_type,
    period_lineups,
    player_sides,
    rebound_sub_types,
    with_synthesised_rows,
)
from pipelines.possession_check import ARCHIVE_KINDS
from pipelines.replay_check import RecordedGame, compare_game
from support.live_pbp import GAMES, LIVE_PBP, home_away, raw_actions

ROOT = Path(__file__).resolve().parents[2]
SHARED_PBP = ROOT.parent / "shared/data/pbp/gabriel1200_playbyplay/regular_season"


def archive_rows(game_id: str) -> list[dict[str, Any]]:
    """A real live game's actions as the parquet archive keeps them (same columns, team
    events of the ten kinds only, qualifiers as the text of a list)."""
    rows = []
    for a in raw_actions(game_id):
        if a["actionType"] not in ARCHIVE_KINDS or not a.get("teamTricode"):
            continue
        rows.append(
            {
                "game_id": int(game_id[2:]),
                "date": 20250204,
                "actionNumber": a["actionNumber"],
                "period": a["period"],
                "clock": a["clock"],
                "actionType": a["actionType"],
                "description": a["description"],
                "qualifier": str(list(a["qualifiers"])),
                "playerName": a.get("playerName"),
                "scoreHome": int(a["scoreHome"]),
                "scoreAway": int(a["scoreAway"]),
                "shotResult": a.get("shotResult"),
                "person_id": a["personId"],
                "assister_id": a.get("assistPersonId"),
                "stealPersonId": a.get("stealPersonId"),
                "blockPersonId": a.get("blockPersonId"),
                "foulDrawnPersonId": a.get("foulDrawnPersonId"),
                "team": a["teamTricode"],
            }
        )
    return rows


def team(team_id: int, tricode: str) -> dict[str, Any]:
    return {"team_id": team_id, "tricode": tricode, "city": "", "name": "", "wins": 0, "losses": 0}


def rebuilt(game_id: str) -> GamePlays:
    """The archive's game rebuilt from the real payload, read back by the serving module."""
    (home_id, home_tri), (away_id, away_tri) = home_away(raw_actions(game_id))
    date = dt.date.fromisoformat(GAMES[game_id])
    game, _ = build_game(
        archive_rows(game_id),
        game_id=game_id,
        date=date,
        home=team(home_id, home_tri),
        away=team(away_id, away_tri),
        first_names=lambda person: "",
    )
    return PlayNight.from_dict(night_document(date, [game])).games[0]


@pytest.fixture(scope="module")
def rebuilt_games() -> dict[str, GamePlays]:
    return {game_id: rebuilt(game_id) for game_id in GAMES}


# --- parsing ---------------------------------------------------------------------------


# kind | description | playerNameI | subType | descriptor (real rows of the live samples)
SUB_TYPE_TABLE = """
2pt | D. Exum driving finger roll Layup (2 PTS) | D. Exum | Layup | driving finger roll
2pt | MISS T. Maxey 16' fadeaway Shot | T. Maxey | Jump Shot | fadeaway
2pt | J. Hayes cutting DUNK (6 PTS) (G. Vincent 1 AST) | J. Hayes | DUNK | cutting
2pt | MISS J. Green driving Layup - blocked | J. Green | Layup | driving
3pt | A. Flagler 25' 3PT pullup (5 PTS) (D. Jones 3 AST) | A. Flagler | Jump Shot | pullup
3pt | MISS K. Thompson 3PT | K. Thompson | Jump Shot |
2pt | MISS B. Portis 14' turnaround Hook Shot | B. Portis | Hook | turnaround
freethrow | MISS R. Council IV Free Throw 2 of 2 | R. Council IV | 2 of 2 |
freethrow | D. Russell technical Free Throw 1 of 1 | D. Russell | 1 of 1 | technical
foul | D. Booker shooting personal FOUL (3 PF) (Nnaji 2 FT) | D. Booker | personal | shooting
foul | S. Barnes charge offensive FOUL (2 PF) | S. Barnes | offensive | charge
foul | B. Portis defensive-3-second technical FOUL | B. Portis | technical | defensive-3-second
foul | K. Huerter transition take personal FOUL (1 PF) | K. Huerter | personal | transition take
turnover | R. Council IV bad pass out-of-bounds TURNOVER | R. Council IV | out-of-bounds | bad pass
turnover | D. Jones Jr. bad pass TURNOVER (1 TO) | D. Jones Jr. | bad pass |
turnover | DEN shot clock Team TURNOVER | | shot clock |
substitution | SUB in: S. Dinwiddie | S. Dinwiddie | in |
timeout | NOP Timeout | | full |
steal | J. Duren STEAL (1 STL) | J. Duren | |
"""
SUB_TYPES = [
    tuple(cell.strip() for cell in line.split("|")) for line in SUB_TYPE_TABLE.strip().splitlines()
]


@pytest.mark.parametrize(("kind", "description", "name_i", "sub_type", "descriptor"), SUB_TYPES)
def test_sub_type_and_descriptor_come_from_the_description(
    kind: str, description: str, name_i: str, sub_type: str, descriptor: str
) -> None:
    assert parse_sub_type(kind, description, name_i) == (sub_type, descriptor)


def test_the_initial_name_is_read_up_to_the_family_name() -> None:
    assert name_initial("MISS D. Exum driving Layup", "Exum") == "D. Exum"
    assert name_initial("SUB out: R. Council IV", "Council IV") == "R. Council IV"
    assert name_initial("D. Jones Jr. bad pass TURNOVER (1 TO)", "Jones Jr.") == "D. Jones Jr."
    assert name_initial("CHI Timeout", "") == ""


def _source(number: int, kind: str, side: Any, person: int = 0, **extra: Any) -> SourceAction:
    fields: dict[str, Any] = {
        "number": number,
        "period": 1,
        "tenths": 7200 - number * 10,
        "kind": kind,
        "side": side,
        "person": person,
        "player_name": "",
        "description": "",
        "qualifiers": (),
        "result": "",
        "score_home": 0,
        "score_away": 0,
    }
    fields.update(extra)
    return SourceAction(**fields)


def test_rebounds_are_offensive_when_the_players_offensive_count_grows() -> None:
    actions = [
        _source(1, "3pt", HOME, 10, result="Missed"),
        _source(2, "rebound", HOME, 11, description="A. B REBOUND (Off:1 Def:0)"),
        _source(3, "2pt", HOME, 11, result="Missed"),
        _source(4, "rebound", AWAY, 20, description="C. D REBOUND (Off:0 Def:1)"),
        _source(5, "2pt", AWAY, 20, result="Missed"),
        _source(6, "rebound", AWAY, 0, description="TEAM offensive REBOUND"),
        _source(7, "2pt", AWAY, 20, result="Missed"),
        _source(8, "rebound", HOME, 0, description="TEAM REBOUND"),  # no word: by the shot
    ]
    assert rebound_sub_types(actions) == {
        2: "offensive",
        4: "defensive",
        6: "offensive",
        8: "defensive",
    }


def test_period_starters_are_the_players_seen_before_they_are_substituted_in() -> None:
    home = [1, 2, 3, 4, 5]
    away = [11, 12, 13, 14, 15]
    actions = [_source(n, "2pt", HOME, p, result="Missed") for n, p in enumerate(home, 1)]
    actions += [_source(n + 5, "rebound", AWAY, p) for n, p in enumerate(away[:4], 1)]
    # 15 never acts in period 1 but is substituted out; 6 comes in and then acts.
    actions += [
        _source(20, "substitution", AWAY, 15, description="SUB out: X. Y"),
        _source(21, "substitution", AWAY, 16, description="SUB in: Z. W"),
        _source(22, "2pt", AWAY, 16, result="Made"),
        _source(23, "substitution", HOME, 6, description="SUB in: Q. R"),
        _source(24, "substitution", HOME, 1, description="SUB out: S. T"),
    ]
    sides = player_sides(actions)
    sides[6] = HOME
    lineups, report = period_lineups(actions, sides)
    assert lineups[1][HOME] == home
    assert lineups[1][AWAY] == away
    assert report.bad_subs == 0 and report.unknown == 0


def _archive(number: int, period: int, tenths: int, kind: str = "2pt") -> ArchiveAction:
    return ArchiveAction(
        number=number,
        period=period,
        tenths=tenths,
        kind=kind,
        sub_type="",
        descriptor="",
        side=HOME,
        person=1,
        description="",
        qualifiers=(),
        result="Missed",
        score_home=0,
        score_away=0,
    )


def test_synthesised_rows_take_unused_numbers_and_frame_every_period() -> None:
    actions = [_archive(7, 1, 7100), _archive(9, 1, 100), _archive(10, 2, 7000)]
    ordered = with_synthesised_rows(actions, 2, {HOME: "PHI", AWAY: "DAL"})
    kinds = [(a.kind, a.sub_type, a.period) for a in ordered]
    assert kinds == [
        ("period", "start", 1),
        ("jumpball", "recovered", 1),
        ("2pt", "", 1),
        ("2pt", "", 1),
        ("period", "end", 1),
        ("period", "start", 2),
        ("2pt", "", 2),
        ("period", "end", 2),
        ("game", "end", 2),
    ]
    numbers = [a.number for a in ordered]
    assert len(set(numbers)) == len(numbers)
    assert numbers[:2] == [1, 2]  # free numbers before the first action (7)
    assert ordered[1].side == HOME  # the first field-goal attempt proves who won the tip
    assert ordered[1].description == "Jump Ball: Tip to PHI"


def test_the_archive_format_lists_its_fields() -> None:
    game = rebuilt("0022400712")
    assert game.plays[0].kind == "period"
    document_fields = night_document(dt.date(2025, 2, 4), [])["action_fields"]
    assert document_fields == list(ACTION_FIELDS)


# --- whole games rebuilt from the real payloads ----------------------------------------


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_a_rebuilt_game_gives_back_its_real_play_by_play(
    game_id: str, rebuilt_games: dict[str, GamePlays]
) -> None:
    game = rebuilt_games[game_id]
    recorded = RecordedGame(game_id, {"game": {"actions": raw_actions(game_id)}}, None)
    result = compare_game(game, recorded).as_dict()
    assert result["running_score"]["rate"] >= 0.995
    assert result["scoring_plays"]["rate"] >= 0.995
    assert result["possession"]["rate"] >= 0.99, result["possession"]
    assert result["possession_synthesised_rows"]["rate"] == 1.0
    assert result["synthesised_rows_matched"]["rate"] == 1.0
    for key in ("description", "personId", "teamId", "pointsTotal", "reboundTotal"):
        assert result["action_fields"][key]["rate"] == 1.0, key
    for key in ("subType", "descriptor", "playerNameI", "assistTotal"):
        assert result["action_fields"][key]["rate"] >= 0.995, key
    real = raw_actions(game_id)
    final = max(int(a["scoreHome"]) for a in real), max(int(a["scoreAway"]) for a in real)
    assert game.final == final
    assert 0.85 <= result["time_actual"]["game_length_ratio_median"] <= 1.15


def test_the_fixture_folder_is_where_the_tests_read_it() -> None:
    assert sorted(p.name for p in LIVE_PBP.glob("*_playbyplay.json.gz")) == [
        f"{g}_playbyplay.json.gz" for g in sorted(GAMES)
    ]


@pytest.mark.skipif(not SHARED_PBP.is_dir(), reason="needs ../shared/data play-by-play")
def test_rebuilding_the_shipped_night_from_shared_gives_the_committed_bytes(
    tmp_path: Path,
) -> None:
    """The committed archive is exactly what the builder makes of ../shared (2025-02-10)."""
    from pipelines.play_archive import build_nights, read_season_rows

    events = read_season_rows(SHARED_PBP, 2025)
    night = dt.date(2025, 2, 10)
    result = build_nights(events, tmp_path, {night})
    name = f"{night.isoformat()}.json.gz"
    committed = ROOT / "data" / "plays_2024-25" / name
    assert (tmp_path / name).read_bytes() == committed.read_bytes()
    assert result.nights[night.isoformat()]["games"] == [
        g["game_id"] for g in _replay_night_games()
    ]


def _replay_night_games() -> list[dict[str, Any]]:
    import json

    games: list[dict[str, Any]] = json.loads((ROOT / "data" / "replay_night.json").read_text())[
        "games"
    ]
    return games
