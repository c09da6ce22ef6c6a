"""Parse NBA's live play-by-play and box score payloads into plain values.

The schemas are those of ``nba_api.live.nba.endpoints.PlayByPlay(...).get_dict()``
(``{"meta", "game": {"gameId", "actions": [...]}}``) and ``BoxScore(...).get_dict()``
(``{"meta", "game": {"gameId", "gameStatus", "period", "gameClock", "homeTeam",
"awayTeam"}}``); the replay feed serves the same shapes (``games.feed.replay_plays``,
``games.feed.replay_boxscore``). Settings-free, no ORM.

A payload that is not the expected object raises ``PayloadError``; one malformed action
is skipped with a logged reason (it never costs the other actions).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from games.clock import ClockFormatError, elapsed_seconds, parse_clock
from games.feed.parser import PayloadError

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 200
TEXT_MAX = 40


@dataclass(frozen=True, slots=True)
class PlayRow:
    """One live play-by-play action, as stored (``games.plays.Play``)."""

    action_number: int
    order_number: int
    period: int
    clock_seconds: float | None
    elapsed: float
    time_actual: dt.datetime | None
    team_id: int | None
    team_tricode: str
    person_id: int | None
    player_name: str
    action_type: str
    sub_type: str
    descriptor: str
    shot_result: str
    description: str
    score_home: int
    score_away: int
    possession: int | None  # team id in possession during the action
    edited: dt.datetime | None

    def content(self) -> tuple[Any, ...]:
        """Everything but the action number: equal content means an unchanged action."""
        return (
            self.order_number,
            self.period,
            self.clock_seconds,
            self.time_actual,
            self.team_id,
            self.team_tricode,
            self.person_id,
            self.player_name,
            self.action_type,
            self.sub_type,
            self.descriptor,
            self.shot_result,
            self.description,
            self.score_home,
            self.score_away,
            self.possession,
            self.edited,
        )


@dataclass(frozen=True, slots=True)
class BoxStats:
    """One box-score line's counting stats (a player's, or a team's totals)."""

    seconds: float
    points: int
    rebounds_offensive: int
    rebounds_defensive: int
    rebounds: int
    assists: int
    steals: int
    blocks: int
    turnovers: int
    fouls: int
    fg_made: int
    fg_attempted: int
    fg3_made: int
    fg3_attempted: int
    ft_made: int
    ft_attempted: int
    plus_minus: int


@dataclass(frozen=True, slots=True)
class PlayerBox:
    person_id: int
    name: str
    name_i: str
    jersey: str
    position: str
    starter: bool
    on_court: bool
    played: bool
    order: int
    stats: BoxStats


@dataclass(frozen=True, slots=True)
class TeamBox:
    side: str  # "home" / "away"
    team_id: int
    tricode: str
    score: int
    in_bonus: bool | None
    timeouts_remaining: int | None
    periods: tuple[int, ...]  # points per period, as the box score has them
    stats: BoxStats
    players: tuple[PlayerBox, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class BoxScore:
    game_id: str
    status: int
    period: int
    teams: tuple[TeamBox, TeamBox]  # home, away


def _game(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise PayloadError(f"{what} payload is {type(payload).__name__}, not an object")
    game = payload.get("game")
    if not isinstance(game, Mapping):
        raise PayloadError(f"{what} payload has no 'game' object")
    return game


def _int(value: Any, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise ValueError("missing integer")
        return default
    if isinstance(value, bool):
        raise ValueError("boolean where an integer belongs")
    return int(float(value)) if isinstance(value, float | str) else int(value)


def _id(value: Any) -> int | None:
    number = _int(value, 0)
    return number or None


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    when = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _text(value: Any, limit: int = TEXT_MAX) -> str:
    return str(value if value is not None else "").strip()[:limit]


def parse_action(data: Mapping[str, Any]) -> PlayRow:
    period = _int(data["period"])
    clock = parse_clock(str(data.get("clock") or ""))
    return PlayRow(
        action_number=_int(data["actionNumber"]),
        order_number=_int(data.get("orderNumber"), _int(data["actionNumber"])),
        period=period,
        clock_seconds=clock,
        elapsed=elapsed_seconds(period, clock if clock is not None else 0.0),
        time_actual=_time(data.get("timeActual")),
        team_id=_id(data.get("teamId")),
        team_tricode=_text(data.get("teamTricode"), 3),
        person_id=_id(data.get("personId")),
        player_name=_text(data.get("playerNameI") or data.get("playerName")),
        action_type=_text(data["actionType"]),
        sub_type=_text(data.get("subType")),
        descriptor=_text(data.get("descriptor")),
        shot_result=_text(data.get("shotResult"), 10),
        description=_text(data.get("description"), DESCRIPTION_MAX),
        score_home=_int(data.get("scoreHome"), 0),
        score_away=_int(data.get("scoreAway"), 0),
        possession=_id(data.get("possession")),
        edited=_time(data.get("edited")),
    )


def parse_playbyplay(payload: Any) -> tuple[str, list[PlayRow]]:
    """(game id, actions in ``orderNumber`` order) of a live play-by-play payload."""
    game = _game(payload, "play-by-play")
    actions = game.get("actions")
    if not isinstance(actions, list):
        raise PayloadError("play-by-play has no 'game.actions' list")
    game_id = _text(game.get("gameId"), 12)
    rows: dict[int, PlayRow] = {}
    for data in actions:
        try:
            row = parse_action(data)
        except (KeyError, TypeError, ValueError, ClockFormatError) as exc:
            logger.warning("play-by-play %s: skipped a malformed action: %r", game_id, exc)
            continue
        rows[row.action_number] = row  # a repeated actionNumber: the later one wins
    return game_id, sorted(rows.values(), key=lambda r: (r.order_number, r.action_number))


def _stats(data: Mapping[str, Any], *, team: bool) -> BoxStats:
    minutes = parse_clock(str(data.get("minutes") or "")) or 0.0
    if team:
        plus_minus = _int(data.get("points"), 0) - _int(data.get("pointsAgainst"), 0)
        turnovers = _int(data.get("turnoversTotal"), _int(data.get("turnovers"), 0))
    else:
        plus_minus = _int(data.get("plusMinusPoints"), 0)
        turnovers = _int(data.get("turnovers"), 0)
    return BoxStats(
        seconds=minutes,
        points=_int(data.get("points"), 0),
        rebounds_offensive=_int(data.get("reboundsOffensive"), 0),
        rebounds_defensive=_int(data.get("reboundsDefensive"), 0),
        rebounds=_int(data.get("reboundsTotal"), 0),
        assists=_int(data.get("assists"), 0),
        steals=_int(data.get("steals"), 0),
        blocks=_int(data.get("blocks"), 0),
        turnovers=turnovers,
        fouls=_int(data.get("foulsPersonal"), 0),
        fg_made=_int(data.get("fieldGoalsMade"), 0),
        fg_attempted=_int(data.get("fieldGoalsAttempted"), 0),
        fg3_made=_int(data.get("threePointersMade"), 0),
        fg3_attempted=_int(data.get("threePointersAttempted"), 0),
        ft_made=_int(data.get("freeThrowsMade"), 0),
        ft_attempted=_int(data.get("freeThrowsAttempted"), 0),
        plus_minus=plus_minus,
    )


def _flag(value: Any) -> bool:
    return str(value).strip() in ("1", "True", "true")


def _player(data: Mapping[str, Any]) -> PlayerBox:
    stats = data.get("statistics")
    if not isinstance(stats, Mapping):
        raise ValueError("player has no statistics")
    return PlayerBox(
        person_id=_int(data["personId"]),
        name=_text(data.get("name") or data.get("nameI")),
        name_i=_text(data.get("nameI") or data.get("name")),
        jersey=_text(data.get("jerseyNum"), 3),
        position=_text(data.get("position"), 3),
        starter=_flag(data.get("starter")),
        on_court=_flag(data.get("oncourt")),
        played=_flag(data.get("played")),
        order=_int(data.get("order"), 0),
        stats=_stats(stats, team=False),
    )


def _team(data: Any, side: str, game_id: str) -> TeamBox:
    if not isinstance(data, Mapping) or not isinstance(data.get("statistics"), Mapping):
        raise PayloadError(f"box score {game_id} has no {side} team statistics")
    players = []
    for item in data.get("players") or []:
        try:
            players.append(_player(item))
        except (KeyError, TypeError, ValueError, ClockFormatError) as exc:
            logger.warning("box score %s: skipped a malformed player line: %r", game_id, exc)
    bonus = data.get("inBonus")
    timeouts = data.get("timeoutsRemaining")
    try:
        return TeamBox(
            side=side,
            team_id=_int(data["teamId"]),
            tricode=_text(data.get("teamTricode"), 3),
            score=_int(data.get("score"), 0),
            in_bonus=None if bonus is None else _flag(bonus),
            timeouts_remaining=None if timeouts is None else _int(timeouts),
            periods=tuple(_int(p.get("score"), 0) for p in data.get("periods") or []),
            stats=_stats(data["statistics"], team=True),
            players=tuple(players),
        )
    except (KeyError, TypeError, ValueError, ClockFormatError) as exc:
        raise PayloadError(f"box score {game_id} {side} team is malformed: {exc!r}") from exc


def parse_boxscore(payload: Any) -> BoxScore:
    game = _game(payload, "box score")
    game_id = _text(game.get("gameId"), 12)
    try:
        status, period = _int(game.get("gameStatus"), 1), _int(game.get("period"), 0)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"box score {game_id} has a bad status or period: {exc}") from exc
    return BoxScore(
        game_id=game_id,
        status=status,
        period=period,
        teams=(
            _team(game.get("homeTeam"), "home", game_id),
            _team(game.get("awayTeam"), "away", game_id),
        ),
    )
