"""The replay's play-by-play and box score, in the live endpoints' formats.

Reads a night of the play archive (``data/plays_2024-25/YYYY-MM-DD.json.gz``, built by
``python manage.py build_play_archive``; format and synthesised fields in
``docs/replay.md``) and answers, for one game and one moment, the payloads the live feed
gets from NBA.com:

* ``playbyplay_payload`` - ``nba_api.live.nba.endpoints.PlayByPlay(...).get_dict()``:
  ``{"meta": ..., "game": {"gameId": ..., "actions": [...]}}``, every action up to the
  moment, each with the live feed's keys;
* ``games.feed.replay_boxscore.boxscore_payload`` - ``BoxScore(...).get_dict()``,
  derived from those actions.

A moment is "the first ``upto`` actions" or "everything up to elapsed game time ``t``"
(``GamePlays.count_at``: a bisect on a precomputed index, so a poll costs O(log n) to
locate plus the payload's own size). Pure Python and the standard library (plus the pure
``games.clock`` / ``games.playstate``); nothing here reads ``../shared`` or needs Django
settings, pandas or the network.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from games.clock import (
    REGULATION_PERIODS,
    elapsed_seconds,
    format_clock,
    period_end,
    period_start,
)
from games.playstate import AWAY, HOME, PlayAction, PlayState, Side, fold

FORMAT = "livescores-plays/1"
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "data" / "plays_2024-25"
STATUS_SCHEDULED, STATUS_LIVE, STATUS_FINAL = 1, 2, 3
SIDES: dict[str, Side | None] = {"h": HOME, "a": AWAY, "": None}
SHOT_POINTS = {"2pt": 2, "3pt": 3, "freethrow": 1}

Retime = Callable[["Play"], dt.datetime]


class PlayArchiveMissing(LookupError):
    """No archive file for the night, or no such game in it."""


@dataclass(frozen=True, slots=True)
class Player:
    person_id: int
    side: Side
    player_name: str  # family name as the play-by-play spells it ("Valančiūnas")
    name_i: str  # "J. Valančiūnas"
    first_name: str  # nba_api's static list ("" if unknown)
    starter: bool
    played: bool

    @property
    def name(self) -> str:
        if self.first_name and self.player_name:
            return f"{self.first_name} {self.player_name}"
        return self.name_i or self.player_name


@dataclass(frozen=True, slots=True)
class Play:
    """One action of the archive (``ACTION_FIELDS`` of ``pipelines.play_archive``)."""

    index: int  # position in game order, 0-based (orderNumber = 10000 * (index + 1))
    action_number: int
    period: int
    clock_tenths: int
    wall_tenths: int
    kind: str
    sub_type: str
    descriptor: str
    side: Side | None
    person_id: int
    description: str
    qualifiers: tuple[str, ...]
    result: str
    score_home: int
    score_away: int
    possession: Side | None
    assist: int
    steal: int
    block: int
    drawn: int

    elapsed: float  # game seconds since tip-off (games.clock.elapsed_seconds)

    @property
    def seconds_left(self) -> float:
        return self.clock_tenths / 10

    @property
    def wall_seconds(self) -> float:
        """Seconds after tip-off on the synthesised schedule (``docs/replay.md``)."""
        return self.wall_tenths / 10

    @property
    def order_number(self) -> int:
        return 10_000 * (self.index + 1)

    @property
    def points(self) -> int:
        return SHOT_POINTS.get(self.kind, 0) if self.result == "Made" else 0

    @property
    def is_field_goal(self) -> bool:
        return self.kind in ("2pt", "3pt")

    def play_action(self) -> PlayAction:
        """The row as ``games.playstate`` folds it."""
        return PlayAction(
            number=self.index + 1,
            period=self.period,
            seconds_left=self.seconds_left,
            kind=self.kind,
            side=self.side,
            score_home=self.score_home,
            score_away=self.score_away,
            made=self.result == "Made",
            sub_type=self.sub_type,
            descriptor=self.descriptor,
            qualifiers=self.qualifiers,
            possession=self.possession,
        )


@dataclass(frozen=True)
class Moment:
    """Where a game is: ``count`` actions released, the period and its clock."""

    count: int
    period: int
    elapsed: float
    seconds_left: float
    status: int  # 1 nothing yet, 2 live (breaks included), 3 final

    @property
    def clock(self) -> str:
        return format_clock(self.seconds_left)


@dataclass(frozen=True, eq=False)
class GamePlays:
    """One game of the archive with its bisect indexes."""

    game_id: str
    date: dt.date
    home: Mapping[str, Any]  # team_id, tricode, city, name, wins, losses (record before)
    away: Mapping[str, Any]
    periods: int
    final: tuple[int, int]
    players: tuple[Player, ...]
    lineups: Mapping[int, Mapping[Side, tuple[int, ...]]]  # period -> side -> five ids
    plays: tuple[Play, ...]
    _keys: list[tuple[int, float]] = field(repr=False, default_factory=list)
    _walls: list[int] = field(repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self._keys.extend((p.period, p.elapsed) for p in self.plays)
        self._walls.extend(p.wall_tenths for p in self.plays)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        action_fields: Sequence[str],
        player_fields: Sequence[str],
    ) -> GamePlays:
        position = {name: i for i, name in enumerate(action_fields)}
        plays = tuple(_play(i, row, position) for i, row in enumerate(data["actions"]))
        slot = {name: i for i, name in enumerate(player_fields)}
        players = tuple(
            Player(
                person_id=int(row[slot["personId"]]),
                side=HOME if row[slot["side"]] == "h" else AWAY,
                player_name=str(row[slot["playerName"]]),
                name_i=str(row[slot["nameI"]]),
                first_name=str(row[slot["firstName"]]),
                starter=bool(row[slot["starter"]]),
                played=bool(row[slot["played"]]),
            )
            for row in data["players"]
        )
        lineups = {
            int(period): {HOME: tuple(home), AWAY: tuple(away)}
            for period, home, away in data["lineups"]
        }
        return cls(
            game_id=str(data["game_id"]),
            date=dt.date.fromisoformat(data["date"]),
            home=dict(data["home"]),
            away=dict(data["away"]),
            periods=int(data["periods"]),
            final=(int(data["final"][0]), int(data["final"][1])),
            players=players,
            lineups=lineups,
            plays=plays,
        )

    # --- moments -----------------------------------------------------------------------

    def count_at(self, elapsed: float, period: int | None = None) -> int:
        """How many actions have happened by elapsed game time ``elapsed`` (seconds since
        tip-off on the game clock). At a boundary between periods (720 s, ...) the time
        belongs to the period that ends there unless ``period`` says the next one has
        started (pass the scoreboard's period)."""
        if period is None:
            period = period_of(elapsed)
        return bisect.bisect_right(self._keys, (period, elapsed))

    def count_at_wall(self, seconds: float) -> int:
        """How many actions have happened ``seconds`` after tip-off on the synthesised
        wall-clock schedule (real-time replays: soak runs)."""
        return bisect.bisect_right(self._walls, round(seconds * 10))

    def moment(
        self, *, upto: int | None = None, elapsed: float | None = None, period: int | None = None
    ) -> Moment:
        """The moment after the first ``upto`` actions, or at game time ``elapsed``."""
        if (upto is None) == (elapsed is None):
            raise ValueError("give exactly one of upto and elapsed")
        if elapsed is not None:
            period = period or period_of(elapsed)
            count = self.count_at(elapsed, period)
            elapsed = min(max(elapsed, float(period_start(period))), float(period_end(period)))
        else:
            count = max(0, min(int(upto or 0), len(self.plays)))
            last = self.plays[count - 1] if count else None
            period = last.period if last else 1
            elapsed = last.elapsed if last else 0.0
        if count >= len(self.plays):
            status = STATUS_FINAL
            last = self.plays[-1]
            period, elapsed = last.period, last.elapsed
        else:
            status = STATUS_LIVE if count else STATUS_SCHEDULED
        seconds_left = round(period_end(period) - elapsed, 2)
        return Moment(count, period, elapsed, seconds_left, status)

    def moment_at_wall(self, seconds: float) -> Moment:
        """The moment ``seconds`` after tip-off when the game is played at the pace of the
        synthesised schedule: the game clock runs from each action's wall time, minus the
        dead time after it, up to the next action's game time."""
        count = self.count_at_wall(seconds)
        if count == 0 or count >= len(self.plays):
            return self.moment(upto=count)
        last, following = self.plays[count - 1], self.plays[count]
        if following.period != last.period:
            return self.moment(upto=count)
        gap = following.elapsed - last.elapsed
        dead = (following.wall_seconds - last.wall_seconds) - gap
        running = min(max(seconds - last.wall_seconds - dead, 0.0), gap)
        return self.moment(elapsed=last.elapsed + running, period=last.period)

    @property
    def end_elapsed(self) -> float:
        return float(period_end(self.periods))

    @property
    def duration_seconds(self) -> float:
        """Wall seconds from tip-off to the game-end row on the synthesised schedule."""
        return self.plays[-1].wall_seconds if self.plays else 0.0

    @cached_property
    def states(self) -> tuple[PlayState, ...]:
        """``games.playstate``'s state after each action (folded once, on first use):
        fouls, bonus, timeouts, possession as the fold sees them."""
        return tuple(fold(play.play_action() for play in self.plays))

    def state_after(self, count: int) -> PlayState:
        """The fold's state after the first ``count`` actions."""
        return self.states[count - 1] if count > 0 else PlayState()

    def player(self, person_id: int) -> Player | None:
        return self._people.get(person_id)

    @cached_property
    def _people(self) -> dict[int, Player]:
        return {p.person_id: p for p in self.players}

    def team(self, side: Side) -> Mapping[str, Any]:
        return self.home if side == HOME else self.away

    def team_id(self, side: Side | None) -> int:
        return int(self.team(side)["team_id"]) if side is not None else 0

    def score_changes(self) -> list[list[float | int]]:
        """[elapsed, home, away] after every change of the score (the replay-night layout)."""
        events: list[list[float | int]] = []
        home = away = 0
        for play in self.plays:
            if (play.score_home, play.score_away) != (home, away):
                home, away = play.score_home, play.score_away
                events.append([play.elapsed, home, away])
        return events

    # --- live-format actions -----------------------------------------------------------

    def actions(
        self,
        start: int = 0,
        stop: int | None = None,
        *,
        tip_off: dt.datetime,
        retime: Retime | None = None,
    ) -> list[dict[str, Any]]:
        """Actions ``start..stop-1`` (game order) as the live feed's action objects.

        ``timeActual`` is ``tip_off`` plus the action's offset on the synthesised schedule,
        or ``retime(play)`` when given (a replay running at its own pace)."""
        stop = len(self.plays) if stop is None else min(stop, len(self.plays))
        static = self._static_actions
        result = []
        for index in range(max(start, 0), stop):
            play = self.plays[index]
            action = dict(static[index])
            when = retime(play) if retime else tip_off + dt.timedelta(seconds=play.wall_seconds)
            action["timeActual"] = live_time(when)
            result.append(action)
        return result

    @cached_property
    def _static_actions(self) -> list[dict[str, Any]]:
        return list(_live_actions(self))


def period_of(elapsed: float) -> int:
    """The period a game time belongs to; a boundary belongs to the period ending there."""
    period = 1
    while elapsed > period_end(period):
        period += 1
    return period


def _play(index: int, row: Sequence[Any], position: Mapping[str, int]) -> Play:
    def get(name: str) -> Any:
        return row[position[name]]

    period = int(get("period"))
    clock = int(get("clock"))
    return Play(
        index=index,
        action_number=int(get("actionNumber")),
        period=period,
        clock_tenths=clock,
        wall_tenths=int(get("wall")),
        kind=str(get("actionType")),
        sub_type=str(get("subType")),
        descriptor=str(get("descriptor")),
        side=SIDES[get("side")],
        person_id=int(get("personId")),
        description=str(get("description")),
        qualifiers=tuple(get("qualifiers")),
        result=str(get("shotResult")),
        score_home=int(get("scoreHome")),
        score_away=int(get("scoreAway")),
        possession=SIDES[get("possession")],
        assist=int(get("assistPersonId")),
        steal=int(get("stealPersonId")),
        block=int(get("blockPersonId")),
        drawn=int(get("foulDrawnPersonId")),
        elapsed=elapsed_seconds(period, clock / 10),
    )


def live_time(when: dt.datetime) -> str:
    """The live feed's ``timeActual`` text: UTC, tenths of a second, "Z"."""
    utc = when.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 100_000}Z"


def _live_actions(game: GamePlays) -> Iterator[dict[str, Any]]:
    """Every action of the game as a live action object, without ``timeActual``.

    Running totals (``pointsTotal``, ``reboundTotal``, ``assistTotal``, ``turnoverTotal``,
    ``foulPersonalTotal``/``foulTechnicalTotal``) count the player's earlier actions in game
    order; ``shotActionNumber`` is the last missed shot or free throw before a rebound."""
    points: dict[int, int] = {}
    assists: dict[int, int] = {}
    rebounds: dict[int, list[int]] = {}  # person -> [offensive, defensive]
    turnovers: dict[int, int] = {}
    fouls: dict[int, list[int]] = {}  # person -> [personal, technical]
    last_miss = 0
    for play in game.plays:
        person = game.player(play.person_id)
        action: dict[str, Any] = {
            "actionNumber": play.action_number,
            "clock": format_clock(play.seconds_left),
            "timeActual": None,
            "period": play.period,
            "periodType": "REGULAR" if play.period <= REGULATION_PERIODS else "OVERTIME",
        }
        if play.side is not None:
            team = game.team(play.side)
            action["teamId"] = int(team["team_id"])
            action["teamTricode"] = str(team["tricode"])
        action["actionType"] = play.kind
        action["subType"] = play.sub_type
        if play.descriptor:
            action["descriptor"] = play.descriptor
        action.update(
            {
                "qualifiers": list(play.qualifiers),
                "personId": play.person_id,
                "x": None,
                "y": None,
                "side": None,
                "possession": game.team_id(play.possession),
                "scoreHome": str(play.score_home),
                "scoreAway": str(play.score_away),
                "edited": None,
                "orderNumber": play.order_number,
                "isTargetScoreLastPeriod": False,
                "xLegacy": None,
                "yLegacy": None,
                "isFieldGoal": int(play.is_field_goal),
            }
        )
        if play.kind in SHOT_POINTS:
            action["shotResult"] = play.result
            if play.result == "Made":
                points[play.person_id] = points.get(play.person_id, 0) + play.points
                action["pointsTotal"] = points[play.person_id]
            elif play.person_id:
                last_miss = play.action_number
        action["description"] = play.description
        named = person is not None and bool(person.player_name)
        if person is not None and named:
            action["playerName"] = person.player_name
            action["playerNameI"] = person.name_i
        filter_ids = [play.person_id] if play.person_id else []
        if play.kind in ("2pt", "3pt") and play.assist:
            assists[play.assist] = assists.get(play.assist, 0) + 1
            helper = game.player(play.assist)
            action["assistPlayerNameInitial"] = helper.name_i if helper else ""
            action["assistPersonId"] = play.assist
            action["assistTotal"] = assists[play.assist]
            filter_ids.append(play.assist)
        if play.kind in ("2pt", "3pt") and play.block:
            blocker = game.player(play.block)
            action["blockPlayerName"] = blocker.player_name if blocker else ""
            action["blockPersonId"] = play.block
            filter_ids.append(play.block)
        if play.kind == "rebound":
            action["shotActionNumber"] = last_miss
            if play.person_id:
                counts = rebounds.setdefault(play.person_id, [0, 0])
                counts[0 if play.sub_type == "offensive" else 1] += 1
                action["reboundTotal"] = counts[0] + counts[1]
                action["reboundDefensiveTotal"] = counts[1]
                action["reboundOffensiveTotal"] = counts[0]
        if play.kind == "foul":
            if named:
                counts = fouls.setdefault(play.person_id, [0, 0])
                counts[1 if play.sub_type == "technical" else 0] += 1
                action["foulPersonalTotal"] = counts[0]
                action["foulTechnicalTotal"] = counts[1]
            if play.drawn:
                drawn = game.player(play.drawn)
                action["foulDrawnPlayerName"] = drawn.player_name if drawn else ""
                action["foulDrawnPersonId"] = play.drawn
                filter_ids.append(play.drawn)
        if play.kind == "turnover":
            if play.person_id:
                turnovers[play.person_id] = turnovers.get(play.person_id, 0) + 1
                action["turnoverTotal"] = turnovers[play.person_id]
            if play.steal:
                stealer = game.player(play.steal)
                action["stealPlayerName"] = stealer.player_name if stealer else ""
                action["stealPersonId"] = play.steal
                filter_ids.append(play.steal)
        if play.kind == "jumpball":  # synthesised: the jumpers are not in the source
            action.update(
                {
                    "jumpBallRecoveredName": "",
                    "jumpBallRecoverdPersonId": 0,
                    "jumpBallWonPlayerName": "",
                    "jumpBallWonPersonId": 0,
                    "jumpBallLostPlayerName": "",
                    "jumpBallLostPersonId": 0,
                }
            )
        action["personIdsFilter"] = filter_ids
        yield action


# --- payloads --------------------------------------------------------------------------


def meta(game_id: str, endpoint: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "version": 1,
        "code": 200,
        "request": f"replay:{endpoint}/{game_id}",
        "time": now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
    }


def playbyplay_payload(
    game: GamePlays,
    *,
    tip_off: dt.datetime,
    upto: int | None = None,
    elapsed: float | None = None,
    period: int | None = None,
    now: dt.datetime | None = None,
    retime: Retime | None = None,
) -> dict[str, Any]:
    """``PlayByPlay(game_id).get_dict()`` at a moment: every action so far, game order.

    Give ``upto`` (the first n actions) or ``elapsed`` (game seconds since tip-off; at a
    period boundary pass ``period`` to say which side of it, see ``count_at``). ``now``
    (default: the last action's ``timeActual``) goes into ``meta.time``."""
    moment = game.moment(upto=upto, elapsed=elapsed, period=period)
    actions = game.actions(0, moment.count, tip_off=tip_off, retime=retime)
    when = now or last_time(game, moment, tip_off, retime)
    return {
        "meta": meta(game.game_id, "playbyplay", when),
        "game": {"gameId": game.game_id, "actions": actions},
    }


def last_time(
    game: GamePlays, moment: Moment, tip_off: dt.datetime, retime: Retime | None
) -> dt.datetime:
    if not moment.count:
        return tip_off
    play = game.plays[moment.count - 1]
    return retime(play) if retime else tip_off + dt.timedelta(seconds=play.wall_seconds)


# --- nights ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayNight:
    date: dt.date
    games: tuple[GamePlays, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlayNight:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a play archive night ({data.get('format')!r}, want {FORMAT})")
        fields, player_fields = data["action_fields"], data["player_fields"]
        games = tuple(GamePlays.from_dict(g, fields, player_fields) for g in data["games"])
        return cls(date=dt.date.fromisoformat(data["date"]), games=games)

    @classmethod
    def from_file(cls, path: Path) -> PlayNight:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))

    def game(self, game_id: str) -> GamePlays:
        for game in self.games:
            if game.game_id == game_id:
                return game
        raise PlayArchiveMissing(f"no game {game_id} on {self.date.isoformat()}")

    def replay_night(self) -> dict[str, Any]:
        """The night in ``data/replay_night.json``'s layout (``ReplayNight.from_dict``), so
        the scoreboard replays the very scores the plays carry."""
        return {
            "provenance": {
                "source": "data/plays_2024-25 (play archive; see its PROVENANCE.md)",
                "note": "tip-off times are not in the source; the replay schedules tip-offs",
            },
            "date": self.date.isoformat(),
            "games": [
                {
                    "game_id": g.game_id,
                    "home": dict(g.home),
                    "away": dict(g.away),
                    "periods": g.periods,
                    "events": g.score_changes(),
                }
                for g in self.games
            ],
        }


def night_path(date: dt.date, directory: Path = DEFAULT_DIRECTORY) -> Path:
    return directory / f"{date.isoformat()}.json.gz"


def load_night(date: dt.date, directory: Path = DEFAULT_DIRECTORY) -> PlayNight:
    """One night of the archive (``PlayArchiveMissing`` if it is not there)."""
    path = night_path(date, directory)
    if not path.is_file():
        raise PlayArchiveMissing(
            f"no play archive for {date.isoformat()} in {directory} "
            "(build it: python manage.py build_play_archive --date YYYY-MM-DD)"
        )
    return PlayNight.from_file(path)


def night_dates(directory: Path = DEFAULT_DIRECTORY) -> list[dt.date]:
    """Every night the archive holds (from its ``index.json``)."""
    index = json.loads((directory / "index.json").read_text())
    return [dt.date.fromisoformat(day) for day in sorted(index["nights"])]


def game_dates(directory: Path = DEFAULT_DIRECTORY) -> dict[str, dt.date]:
    """The night of every game the archive holds (from its ``index.json``)."""
    index = json.loads((directory / "index.json").read_text())
    return {
        game_id: dt.date.fromisoformat(day)
        for day, night in index["nights"].items()
        for game_id in night["games"]
    }
