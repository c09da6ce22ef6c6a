"""The replay's play-by-play and box-score payloads, from the committed play archive only
(data/plays_2024-25; no ../shared): integrity, moments, the live shapes, the box score's
invariants, and the shipped night's game 0022400762 against its real recorded payload
(tests/fixtures/live_pbp)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from games.clock import elapsed_seconds, parse_clock
from games.feed.replay import ReplayNight
from games.feed.replay_boxscore import boxscore_payload
from games.feed.replay_plays import (
    DEFAULT_DIRECTORY,
    STATUS_FINAL,
    STATUS_LIVE,
    GamePlays,
    PlayArchiveMissing,
    PlayNight,
    game_dates,
    load_night,
    night_dates,
    playbyplay_payload,
)
from pipelines.replay_check import RecordedGame, compare_game
from support.live_pbp import raw_actions

ROOT = Path(__file__).resolve().parents[2]
PLAYS = ROOT / "data" / "plays_2024-25"
NIGHT = dt.date(2025, 2, 10)
TIP = dt.datetime(2025, 2, 11, 0, 10, tzinfo=dt.UTC)
RECORDED = "0022400762"  # SAC @ DAL, 1 OT: committed as a real live fixture


@pytest.fixture(scope="module")
def night() -> PlayNight:
    return load_night(NIGHT, PLAYS)


@pytest.fixture(scope="module")
def game(night: PlayNight) -> GamePlays:
    return night.game(RECORDED)


# --- the committed files ---------------------------------------------------------------


def test_the_archive_holds_the_whole_season_with_checksums() -> None:
    index = json.loads((PLAYS / "index.json").read_text())
    nights = index["nights"]
    assert len(nights) == 163
    assert sum(len(n["games"]) for n in nights.values()) == 1230
    assert min(nights) == "2024-10-22" and max(nights) == "2025-04-13"
    total = 0
    for day, entry in nights.items():
        data = (PLAYS / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], day
        assert len(data) == entry["bytes"]
        total += len(data)
    assert total < 30_000_000
    assert sorted(p.name for p in PLAYS.glob("*.json.gz")) == sorted(
        n["file"] for n in nights.values()
    )
    provenance = (ROOT / "data" / "plays_2024-25.PROVENANCE.md").read_text()
    assert hashlib.sha256((PLAYS / "index.json").read_bytes()).hexdigest() in provenance
    assert "00f6327c01d9da34f6a74e9efd5479fcccebcf02" in provenance and "MIT" in provenance
    for label in ("possession", "wall", "subType", "descriptor", "jumpball", "**synthesised**"):
        assert label in provenance, label


def test_the_default_directory_is_the_committed_archive() -> None:
    assert DEFAULT_DIRECTORY == PLAYS
    assert night_dates()[0] == dt.date(2024, 10, 22)
    assert game_dates()[RECORDED] == NIGHT


def test_the_shipped_night_has_the_replay_nights_games_and_scores(night: PlayNight) -> None:
    """The scoreboard replay and the plays tell the same night: the score changes the plays
    carry are exactly data/replay_night.json's."""
    shipped = json.loads((ROOT / "data" / "replay_night.json").read_text())
    derived = night.replay_night()
    keys = ("game_id", "home", "away", "periods", "events")
    assert derived["games"] == [{k: g[k] for k in keys} for g in shipped["games"]]
    assert ReplayNight.from_dict(derived).games == ReplayNight.from_dict(shipped).games


def test_a_missing_night_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(PlayArchiveMissing, match="build_play_archive"):
        load_night(dt.date(2025, 7, 1), tmp_path)
    with pytest.raises(PlayArchiveMissing):
        load_night(NIGHT, PLAYS).game("0029999999")


def test_reading_needs_neither_django_settings_nor_pandas() -> None:
    code = (
        "import datetime as dt, sys\n"
        "from games.feed.replay_plays import load_night, playbyplay_payload\n"
        "from games.feed.replay_boxscore import boxscore_payload\n"
        "n = load_night(dt.date(2025, 2, 10))\n"
        "g = n.games[0]\n"
        "tip = dt.datetime(2025, 2, 11, tzinfo=dt.UTC)\n"
        "playbyplay_payload(g, tip_off=tip, elapsed=1500.0)\n"
        "boxscore_payload(g, tip_off=tip, elapsed=1500.0)\n"
        "bad = [m for m in ('pandas', 'pyarrow', 'numpy', 'pipelines') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def test_the_payload_modules_import_only_the_standard_library_and_pure_games_modules() -> None:
    import ast

    allowed = {"games.clock", "games.playstate", "games.feed.replay_plays"}
    allowed |= {"games.feed.replay_boxscore"}
    for name in ("replay_plays.py", "replay_boxscore.py"):
        tree = ast.parse((ROOT / "games" / "feed" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                top = node.module.split(".")[0]
                assert top in sys.stdlib_module_names | {"__future__"} or (
                    node.module in allowed
                ), (name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in sys.stdlib_module_names, alias.name
        assert "shared/data" not in (ROOT / "games" / "feed" / name).read_text()


# --- moments ---------------------------------------------------------------------------


def test_count_at_bisects_game_time_and_respects_period_boundaries(game: GamePlays) -> None:
    plays = game.plays
    assert game.count_at(0.0) == 2  # period start + the opening jump ball
    assert plays[0].kind == "period" and plays[1].kind == "jumpball"
    end_q1 = game.count_at(720.0)
    assert plays[end_q1 - 1].kind == "period" and plays[end_q1 - 1].sub_type == "end"
    start_q2 = game.count_at(720.0, period=2)
    assert start_q2 > end_q1
    assert all(p.period == 2 for p in plays[end_q1:start_q2])
    assert any(p.kind == "period" and p.sub_type == "start" for p in plays[end_q1:start_q2])
    counts = [game.count_at(t) for t in range(0, 3200, 7)]
    assert counts == sorted(counts)
    assert game.count_at(game.end_elapsed) == len(plays)
    for t in (0.0, 301.5, 1440.0, 2000.0, 2880.0, 3100.0):
        k = game.count_at(t)
        assert all((p.period, p.elapsed) <= (game.moment(elapsed=t).period, t) for p in plays[:k])


def test_moments_give_status_period_and_clock(game: GamePlays) -> None:
    moment = game.moment(elapsed=1000.0)
    assert (moment.status, moment.period, moment.clock) == (STATUS_LIVE, 2, "PT07M20.00S")
    assert game.moment(upto=len(game.plays)).status == STATUS_FINAL
    assert game.moment(upto=0).status == 1
    with pytest.raises(ValueError):
        game.moment()


def test_real_time_pace_follows_the_synthesised_wall_clock(game: GamePlays) -> None:
    walls = [p.wall_seconds for p in game.plays]
    assert walls == sorted(walls) and walls[0] == 0.0
    hours = game.duration_seconds / 3600
    assert 1.8 < hours < 3.0, hours
    previous = game.moment_at_wall(0.0)
    for seconds in range(0, int(game.duration_seconds) + 600, 30):
        moment = game.moment_at_wall(float(seconds))
        assert (moment.count, moment.period, moment.elapsed) >= (
            previous.count,
            previous.period,
            previous.elapsed,
        )
        previous = moment
    assert previous.status == STATUS_FINAL


# --- the play-by-play payload ----------------------------------------------------------


def test_playbyplay_has_the_live_shape(game: GamePlays) -> None:
    payload = playbyplay_payload(game, tip_off=TIP, elapsed=1440.0)
    assert set(payload) == {"meta", "game"}
    assert set(payload["meta"]) == {"version", "code", "request", "time"}
    assert payload["game"]["gameId"] == RECORDED
    actions = payload["game"]["actions"]
    assert len(actions) == game.count_at(1440.0)
    real = raw_actions(RECORDED)
    real_keys: dict[str, set[str]] = {}
    for action in real:
        real_keys.setdefault(action["actionType"], set()).update(action)
    optional = {"area", "areaDetail", "shotDistance", "officialId", "jumpBallRecoverdPersonId"}
    always = {k for k in real[0] if all(k in a for a in real)}
    for action in actions:
        assert always <= set(action), always - set(action)
        extra = set(action) - real_keys[action["actionType"]]
        assert not extra, (action["actionType"], extra)
        assert isinstance(action["scoreHome"], str) and isinstance(action["possession"], int)
        assert parse_clock(action["clock"]) is not None
        assert action["timeActual"].endswith("Z")
    kinds = {a["actionType"] for a in actions}
    missing = {k for k in real_keys if k in kinds} - {k for k in real_keys}
    assert not missing
    numbers = [a["orderNumber"] for a in actions]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len({a["actionNumber"] for a in actions}) == len(actions)
    assert optional  # documented as not derivable (docs/replay.md)


def test_time_actual_is_tip_off_plus_the_schedule_or_the_feeds_own(game: GamePlays) -> None:
    actions = playbyplay_payload(game, tip_off=TIP, upto=3)["game"]["actions"]
    assert actions[0]["timeActual"] == "2025-02-11T00:10:00.0Z"
    paced = playbyplay_payload(
        game, tip_off=TIP, upto=50, retime=lambda play: TIP + dt.timedelta(seconds=play.elapsed)
    )["game"]["actions"]
    last = game.plays[49]
    assert paced[-1]["timeActual"] == (TIP + dt.timedelta(seconds=last.elapsed)).strftime(
        "%Y-%m-%dT%H:%M:%S.0Z"
    )


def test_the_shipped_nights_recorded_game_matches_its_real_payload(game: GamePlays) -> None:
    result = compare_game(
        game, RecordedGame(RECORDED, {"game": {"actions": raw_actions(RECORDED)}}, None)
    )
    report = result.as_dict()
    assert report["running_score"]["rate"] >= 0.995
    assert report["scoring_sequence_games"]["rate"] == 1.0
    assert report["possession"]["rate"] >= 0.99
    assert report["action_fields"]["description"]["rate"] == 1.0
    assert report["action_fields"]["subType"]["rate"] >= 0.995


# --- the box score ---------------------------------------------------------------------


def _team_sum(team: dict[str, Any], key: str) -> float:
    return sum(p["statistics"][key] for p in team["players"])


@pytest.mark.parametrize("elapsed", [300.0, 720.0, 1500.5, 2880.0, 3180.0])
def test_the_box_score_adds_up_at_any_moment(game: GamePlays, elapsed: float) -> None:
    box = boxscore_payload(game, tip_off=TIP, elapsed=elapsed)["game"]
    moment = game.moment(elapsed=elapsed)
    plays = game.plays[: moment.count]
    home_score = max((p.score_home for p in plays), default=0)
    away_score = max((p.score_away for p in plays), default=0)
    assert (box["homeTeam"]["score"], box["awayTeam"]["score"]) == (home_score, away_score)
    assert box["period"] == moment.period
    for side, score, against in (
        ("homeTeam", home_score, away_score),
        ("awayTeam", away_score, home_score),
    ):
        team = box[side]
        stats = team["statistics"]
        assert _team_sum(team, "points") == stats["points"] == score
        assert sum(p["score"] for p in team["periods"]) == score
        for key in ("fieldGoalsMade", "threePointersMade", "freeThrowsMade", "assists"):
            assert _team_sum(team, key) == stats[key], key
        assert stats["points"] == (
            2 * stats["fieldGoalsMade"] + stats["threePointersMade"] + stats["freeThrowsMade"]
        )
        # Five on the court all the time: player minutes add up to five times the clock.
        seconds = sum(parse_clock(p["statistics"]["minutes"]) or 0 for p in team["players"])
        assert seconds == pytest.approx(5 * moment.elapsed, abs=0.5)
        # Every point is credited to five players of each side.
        assert _team_sum(team, "plusMinusPoints") == 5 * (score - against)
        assert sum(p["starter"] == "1" for p in team["players"]) == 5
        assert sum(p["oncourt"] == "1" for p in team["players"]) == 5
        assert stats["reboundsTotal"] == stats["reboundsPersonal"] + stats["reboundsTeam"]


def test_the_final_box_score_has_the_live_shape_and_the_final(game: GamePlays) -> None:
    payload = boxscore_payload(game, tip_off=TIP, upto=len(game.plays))
    box = payload["game"]
    assert box["gameStatus"] == STATUS_FINAL and box["gameStatusText"] == "Final/OT1"
    assert (box["homeTeam"]["score"], box["awayTeam"]["score"]) == game.final
    assert [p["period"] for p in box["homeTeam"]["periods"]] == [1, 2, 3, 4, 5]
    assert box["homeTeam"]["periods"][4]["periodType"] == "OVERTIME"
    expected = {
        "gameId", "gameTimeLocal", "gameTimeUTC", "gameTimeHome", "gameTimeAway", "gameEt",
        "duration", "gameCode", "gameStatusText", "gameStatus", "regulationPeriods", "period",
        "gameClock", "attendance", "sellout", "arena", "officials", "homeTeam", "awayTeam",
    }  # fmt: skip
    assert set(box) == expected
    team = box["homeTeam"]
    assert set(team) == {
        "teamId", "teamName", "teamCity", "teamTricode", "score", "inBonus",
        "timeoutsRemaining", "periods", "players", "statistics",
    }  # fmt: skip
    player = team["players"][0]
    assert {"status", "order", "personId", "starter", "oncourt", "played", "statistics"} <= set(
        player
    )
    assert {"name", "nameI", "firstName", "familyName"} <= set(player)
    assert len(player["statistics"]) == 33
    assert len(team["statistics"]) == 62  # as the real box score's


def test_a_box_score_before_any_action_is_empty(game: GamePlays) -> None:
    box = boxscore_payload(game, tip_off=TIP, upto=0)["game"]
    assert box["gameStatus"] == 1
    assert all(p["played"] == "0" for p in box["homeTeam"]["players"])
    assert box["homeTeam"]["statistics"]["points"] == 0


def test_every_night_of_the_archive_reads_and_has_the_timelines_scores() -> None:
    """A light pass over the whole season: every file reads, every game ends at its final,
    and its score changes are exactly the scoreboard archive's (timelines_2024-25)."""
    from games.feed.archive import read_archive

    timelines = {
        line["game_id"]: line for line in read_archive(ROOT / "data" / "timelines_2024-25.jsonl.gz")
    }
    counts: Counter[str] = Counter()
    for day in night_dates(PLAYS):
        with gzip.open(PLAYS / f"{day.isoformat()}.json.gz", "rt") as handle:
            data = json.load(handle)
        field = {name: i for i, name in enumerate(data["action_fields"])}
        for raw in data["games"]:
            counts["games"] += 1
            last = raw["actions"][-1]
            assert last[field["actionType"]] == "game"
            assert [last[field["scoreHome"]], last[field["scoreAway"]]] == raw["final"]
            assert len(raw["lineups"]) == raw["periods"]
            assert all(len(home) == 5 and len(away) == 5 for _, home, away in raw["lineups"])
            line = timelines[raw["game_id"]]
            assert (line["home"], line["away"], line["final"]) == (
                raw["home"],
                raw["away"],
                raw["final"],
            )
            changes, score = [], (0, 0)
            for row in raw["actions"]:
                now = (row[field["scoreHome"]], row[field["scoreAway"]])
                if now != score:
                    elapsed = elapsed_seconds(row[field["period"]], row[field["clock"]] / 10)
                    changes.append([elapsed, *now])
                    score = now
            assert changes == line["events"], raw["game_id"]
    assert counts["games"] == 1230
