"""How closely the replay's derived payloads match the real ones of the recorded games.

The 60 recorded live games (``shared/data/live_samples/iszk1215_nba_pbp``: real
``PlayByPlay`` and final ``BoxScore`` payloads of 2025-02-02..2025-02-10) are compared with
the payloads ``games.feed.replay_plays`` derives from the play archive of the same games:

* final scores; the score after every source action (matched by ``actionNumber``);
* the sequence of scoring plays (actionNumber, scorer, points) in game order;
* ``possession`` on every action (source rows by ``actionNumber``; synthesised period,
  jump-ball and game rows with the real row of the same kind in the same period), and
  the other derived action fields (``subType``, ``descriptor``, ``playerNameI``,
  ``pointsTotal``, ...);
* the final box score: every team statistic, and per player points, rebounds, assists,
  steals, blocks, turnovers, fouls, FG/3P/FT, plus-minus, starters, and minutes within a
  tolerance (``MINUTES_TOLERANCE_SECONDS``).

The recorded games carry no licence: they are read from ``shared/`` (extracted to a
temporary folder) and never copied into the repository.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from games.clock import parse_clock
from games.feed.replay_boxscore import boxscore_payload
from games.feed.replay_plays import GamePlays, playbyplay_payload

LIVE_SAMPLES = Path(
    "../shared/data/live_samples/iszk1215_nba_pbp/iszk1215_nba_pbp_doc_games_60.tar.xz"
)
# Minutes: substitutions are stamped with the period clock, whole seconds above the last
# minute, so each stint's ends are each up to ~1 s off the real on-court time the NBA
# measures (its box scores have hundredths); a player has a few stints per game.
MINUTES_TOLERANCE_SECONDS = 10.0
PLAYER_KEYS = (
    "points",
    "reboundsOffensive",
    "reboundsDefensive",
    "reboundsTotal",
    "assists",
    "steals",
    "blocks",
    "blocksReceived",
    "turnovers",
    "foulsPersonal",
    "foulsOffensive",
    "foulsTechnical",
    "foulsDrawn",
    "fieldGoalsMade",
    "fieldGoalsAttempted",
    "threePointersMade",
    "threePointersAttempted",
    "freeThrowsMade",
    "freeThrowsAttempted",
    "plusMinusPoints",
    "plus",
    "minus",
    "pointsFastBreak",
    "pointsInThePaint",
    "pointsSecondChance",
)
ACTION_KEYS = (
    "subType",
    "descriptor",
    "playerName",
    "playerNameI",
    "teamId",
    "personId",
    "qualifiers",
    "shotResult",
    "isFieldGoal",
    "description",
    "pointsTotal",
    "assistTotal",
    "assistPersonId",
    "reboundTotal",
    "reboundOffensiveTotal",
    "reboundDefensiveTotal",
    "turnoverTotal",
    "foulPersonalTotal",
    "foulTechnicalTotal",
    "foulDrawnPersonId",
    "stealPersonId",
    "blockPersonId",
    "shotActionNumber",
    "personIdsFilter",
)
SYNTHESISED_KINDS = frozenset({"period", "jumpball", "game"})


@dataclass(frozen=True)
class RecordedGame:
    game_id: str
    playbyplay: dict[str, Any]
    boxscore: dict[str, Any] | None  # None: compare the play-by-play only


def read_recorded_games(archive: Path = LIVE_SAMPLES) -> list[RecordedGame]:
    """Every game of the live-sample tarball (read in place, extracted to a temp folder)."""
    games = []
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        for folder in sorted(Path(tmp).glob("games/*")):
            games.append(
                RecordedGame(
                    folder.name,
                    json.loads((folder / "playbyplay.json").read_text()),
                    json.loads((folder / "boxscore.json").read_text()),
                )
            )
    return games


@dataclass
class Tally:
    agree: int = 0
    total: int = 0

    def add(self, same: bool) -> None:
        self.total += 1
        self.agree += bool(same)

    def merge(self, other: Tally) -> None:
        self.agree += other.agree
        self.total += other.total

    @property
    def rate(self) -> float:
        return self.agree / self.total if self.total else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {"agree": self.agree, "total": self.total, "rate": round(self.rate, 6)}


@dataclass
class Comparison:
    """Agreement counts, over one game or many."""

    games: int = 0
    final_score: Tally = field(default_factory=Tally)
    running_score: Tally = field(default_factory=Tally)  # per source action
    scoring_sequence: Tally = field(default_factory=Tally)  # per game: identical sequence
    scoring_plays: Tally = field(default_factory=Tally)  # per scoring play, same position
    possession: Tally = field(default_factory=Tally)  # every matched action
    possession_source: Tally = field(default_factory=Tally)
    possession_synthesised: Tally = field(default_factory=Tally)
    synthesised_rows: Tally = field(default_factory=Tally)  # real rows of those kinds found
    missing_actions: Counter[str] = field(default_factory=Counter)  # real, not in replay
    action_fields: dict[str, Tally] = field(default_factory=dict)
    team_keys: dict[str, Tally] = field(default_factory=dict)
    player_keys: dict[str, Tally] = field(default_factory=dict)
    players_listed: Tally = field(default_factory=Tally)  # real players who played: listed
    starters: Tally = field(default_factory=Tally)
    minutes: Tally = field(default_factory=Tally)  # within MINUTES_TOLERANCE_SECONDS
    minutes_abs_error: list[float] = field(default_factory=list)
    line_score: Tally = field(default_factory=Tally)  # per team and period
    plus_minus_within_2: Tally = field(default_factory=Tally)
    wall_abs_error: list[float] = field(default_factory=list)  # seconds, per source action
    duration_ratio: list[float] = field(default_factory=list)  # ours / real, per game
    mismatches: list[str] = field(default_factory=list)  # a few examples

    def merge(self, other: Comparison) -> None:
        self.games += other.games
        for name in (
            "final_score",
            "running_score",
            "scoring_sequence",
            "scoring_plays",
            "possession",
            "possession_source",
            "possession_synthesised",
            "synthesised_rows",
            "players_listed",
            "starters",
            "minutes",
            "line_score",
            "plus_minus_within_2",
        ):
            getattr(self, name).merge(getattr(other, name))
        self.missing_actions.update(other.missing_actions)
        for mine, theirs in (
            (self.action_fields, other.action_fields),
            (self.team_keys, other.team_keys),
            (self.player_keys, other.player_keys),
        ):
            for key, tally in theirs.items():
                mine.setdefault(key, Tally()).merge(tally)
        self.minutes_abs_error.extend(other.minutes_abs_error)
        self.wall_abs_error.extend(other.wall_abs_error)
        self.duration_ratio.extend(other.duration_ratio)
        self.mismatches.extend(other.mismatches[: max(0, 40 - len(self.mismatches))])

    def as_dict(self) -> dict[str, Any]:
        errors = sorted(self.minutes_abs_error)
        walls = sorted(self.wall_abs_error)
        ratios = sorted(self.duration_ratio)

        def quantile(q: float, values: list[float] | None = None) -> float:
            data = errors if values is None else values
            return round(data[min(int(q * len(data)), len(data) - 1)], 3) if data else 0.0

        return {
            "games": self.games,
            "final_score": self.final_score.as_dict(),
            "running_score": self.running_score.as_dict(),
            "scoring_sequence_games": self.scoring_sequence.as_dict(),
            "scoring_plays": self.scoring_plays.as_dict(),
            "possession": self.possession.as_dict(),
            "possession_source_rows": self.possession_source.as_dict(),
            "possession_synthesised_rows": self.possession_synthesised.as_dict(),
            "synthesised_rows_matched": self.synthesised_rows.as_dict(),
            "real_actions_not_in_replay": dict(sorted(self.missing_actions.items())),
            "action_fields": {k: v.as_dict() for k, v in sorted(self.action_fields.items())},
            "line_score": self.line_score.as_dict(),
            "team_statistics": {k: v.as_dict() for k, v in sorted(self.team_keys.items())},
            "player_statistics": {k: v.as_dict() for k, v in sorted(self.player_keys.items())},
            "players_listed": self.players_listed.as_dict(),
            "starters": self.starters.as_dict(),
            "plus_minus_within_2_points": self.plus_minus_within_2.as_dict(),
            "time_actual": {
                "offset_abs_error_minutes_p50": round(quantile(0.5, walls) / 60, 2),
                "offset_abs_error_minutes_p95": round(quantile(0.95, walls) / 60, 2),
                "game_length_ratio_min": quantile(0.0, ratios),
                "game_length_ratio_median": quantile(0.5, ratios),
                "game_length_ratio_max": quantile(1.0, ratios),
            },
            "minutes_within_tolerance": {
                **self.minutes.as_dict(),
                "tolerance_seconds": MINUTES_TOLERANCE_SECONDS,
                "abs_error_p50": quantile(0.5),
                "abs_error_p95": quantile(0.95),
                "abs_error_max": round(errors[-1], 2) if errors else 0.0,
            },
        }


def _seconds(minutes: str) -> float:
    return parse_clock(minutes) or 0.0


def _tally(table: dict[str, Tally], key: str, same: bool) -> None:
    table.setdefault(key, Tally()).add(same)


def _scoring(actions: Iterable[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
    points = {"2pt": 2, "3pt": 3, "freethrow": 1}
    return [
        (int(a["actionNumber"]), int(a["personId"]), points[a["actionType"]])
        for a in actions
        if a.get("shotResult") == "Made" and a["actionType"] in points
    ]


def compare_game(game: GamePlays, recorded: RecordedGame) -> Comparison:
    """Compare one game's derived payloads (at the end of the game) with the real ones."""
    import datetime as dt

    result = Comparison(games=1)
    tip = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    ours = playbyplay_payload(game, tip_off=tip, upto=len(game.plays))["game"]["actions"]
    real = sorted(recorded.playbyplay["game"]["actions"], key=lambda a: a["orderNumber"])
    _compare_actions(result, ours, real, game.game_id)
    _compare_wall(result, game, real)
    if recorded.boxscore is not None:
        box = boxscore_payload(game, tip_off=tip, upto=len(game.plays))["game"]
        _compare_box(result, box, recorded.boxscore["game"], game.game_id)
    return result


def _compare_actions(
    result: Comparison, ours: list[dict[str, Any]], real: list[dict[str, Any]], game_id: str
) -> None:
    mine = {a["actionNumber"]: a for a in ours if a["actionType"] not in SYNTHESISED_KINDS}
    for action in real:
        kind = action["actionType"]
        if kind in SYNTHESISED_KINDS:
            twin = next(
                (
                    a
                    for a in ours
                    if a["actionType"] == kind
                    and a["period"] == action["period"]
                    and a["subType"] == action["subType"]
                    and a.get("descriptor") == action.get("descriptor")
                ),
                None,
            )
            wanted = kind != "jumpball" or action.get("descriptor") == "startperiod"
            if wanted:
                result.synthesised_rows.add(twin is not None)
            if twin is None:
                if not wanted:
                    result.missing_actions[f"{kind} {action.get('descriptor', '')}"] += 1
                continue
            same = twin["possession"] == action["possession"]
            result.possession.add(same)
            result.possession_synthesised.add(same)
            continue
        ours_action = mine.get(action["actionNumber"])
        if ours_action is None:
            result.missing_actions[kind] += 1
            continue
        result.running_score.add(
            (ours_action["scoreHome"], ours_action["scoreAway"])
            == (action["scoreHome"], action["scoreAway"])
        )
        same = ours_action["possession"] == action["possession"]
        result.possession.add(same)
        result.possession_source.add(same)
        for key in ACTION_KEYS:
            if key in action or key in ours_action:
                agree = ours_action.get(key) == action.get(key)
                if key == "descriptor":
                    agree = (ours_action.get(key) or "") == (action.get(key) or "")
                _tally(result.action_fields, key, agree)
                if not agree and len(result.mismatches) < 40 and key != "description":
                    result.mismatches.append(
                        f"{game_id} #{action['actionNumber']} {key}: "
                        f"{ours_action.get(key)!r} vs {action.get(key)!r}"
                    )
    mine_scoring, real_scoring = _scoring(ours), _scoring(real)
    result.scoring_sequence.add(mine_scoring == real_scoring)
    for index, play in enumerate(real_scoring):
        result.scoring_plays.add(index < len(mine_scoring) and mine_scoring[index] == play)


def _time(text: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _compare_wall(result: Comparison, game: GamePlays, real: list[dict[str, Any]]) -> None:
    """Synthesised wall-clock offsets from the start of the game vs the real ones."""
    start = next((_time(a["timeActual"]) for a in real if a["actionType"] == "period"), None)
    if start is None:
        return
    ours = {p.action_number: p.wall_seconds for p in game.plays if p.kind not in SYNTHESISED_KINDS}
    for action in real:
        mine = ours.get(action["actionNumber"])
        if mine is not None and action["actionType"] not in SYNTHESISED_KINDS:
            result.wall_abs_error.append(abs(mine - (_time(action["timeActual"]) - start)))
    length = _time(real[-1]["timeActual"]) - start
    if length > 0:
        result.duration_ratio.append(game.duration_seconds / length)


def _compare_box(
    result: Comparison, box: dict[str, Any], real: dict[str, Any], game_id: str
) -> None:
    for side in ("homeTeam", "awayTeam"):
        ours_team, real_team = box[side], real[side]
        result.final_score.add(ours_team["score"] == real_team["score"])
        for key, value in real_team["statistics"].items():
            mine = ours_team["statistics"].get(key)
            if isinstance(value, float):
                same = isinstance(mine, int | float) and abs(mine - value) < 1e-6
            elif key in ("minutes", "timeLeading"):
                same = abs(_seconds(str(mine)) - _seconds(value)) <= 1.0
            else:
                same = mine == value
            _tally(result.team_keys, key, same)
        for key in ("inBonus", "timeoutsRemaining"):
            _tally(result.team_keys, key, ours_team[key] == real_team[key])
        real_periods = {p["period"]: p["score"] for p in real_team["periods"]}
        ours_periods = {p["period"]: p["score"] for p in ours_team["periods"]}
        for period, score in real_periods.items():
            result.line_score.add(ours_periods.get(period) == score)
        ours_players = {p["personId"]: p for p in ours_team["players"]}
        for player in real_team["players"]:
            if player.get("played") != "1":
                continue
            mine_player = ours_players.get(player["personId"])
            result.players_listed.add(mine_player is not None)
            if mine_player is None:
                continue
            result.starters.add(mine_player["starter"] == player["starter"])
            stats, real_stats = mine_player["statistics"], player["statistics"]
            for key in PLAYER_KEYS:
                _tally(result.player_keys, key, stats[key] == real_stats[key])
            gap = abs(stats["plusMinusPoints"] - real_stats["plusMinusPoints"])
            result.plus_minus_within_2.add(gap <= 2)
            for key in ("name", "nameI", "firstName", "familyName"):
                _tally(result.player_keys, key, mine_player[key] == player[key])
            error = abs(_seconds(stats["minutes"]) - _seconds(real_stats["minutes"]))
            result.minutes_abs_error.append(error)
            result.minutes.add(error <= MINUTES_TOLERANCE_SECONDS)
            if error > MINUTES_TOLERANCE_SECONDS and len(result.mismatches) < 40:
                result.mismatches.append(
                    f"{game_id} {player['nameI']} minutes {stats['minutes']} vs "
                    f"{real_stats['minutes']}"
                )


def agreement(
    games: Mapping[str, GamePlays], recorded: Iterable[RecordedGame]
) -> tuple[Comparison, list[str]]:
    """The summed comparison over every recorded game found in ``games`` (and the ids of
    recorded games the archive lacks)."""
    total = Comparison()
    missing = []
    for item in recorded:
        game = games.get(item.game_id)
        if game is None:
            missing.append(item.game_id)
            continue
        total.merge(compare_game(game, item))
    return total, missing
