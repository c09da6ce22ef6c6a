"""Parse the live scoreboard payload (the schema of todaysScoreboard_00.json).

One bad game never spoils a poll: it is rejected with a logged reason and the
other games go through.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from games.clock import ClockFormatError, elapsed_seconds, parse_clock, period_end, period_start
from games.feed.types import FEED_STATUSES, GameState, GameStatus, Rejected, Scoreboard, TeamState

logger = logging.getLogger(__name__)


class PayloadError(ValueError):
    """The payload as a whole is unusable (not a scoreboard)."""


def _int(data: Mapping[str, Any], key: str, minimum: int = 0) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{key} is {type(value).__name__}, not an integer")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{key}={number} is below {minimum}")
    return number


TEXT_MAX = 40  # the longest team city/name and status text stored (games.models)


def _text(value: Any, key: str) -> str:
    """A short display text; one longer than the database holds rejects the game (a
    broken or hostile feed must cost that game, not the whole poll)."""
    text = str(value if value is not None else "").strip()
    if len(text) > TEXT_MAX:
        raise ValueError(f"{key} is {len(text)} characters (at most {TEXT_MAX})")
    return text


def _team(data: Any, side: str) -> TeamState:
    if not isinstance(data, Mapping):
        raise ValueError(f"{side} is missing")
    tricode = str(data["teamTricode"]).strip()
    if len(tricode) != 3:
        raise ValueError(f"{side}.teamTricode {tricode!r} is not three letters")
    return TeamState(
        team_id=_int(data, "teamId", 1),
        tricode=tricode,
        city=_text(data.get("teamCity", ""), f"{side}.teamCity"),
        name=_text(data.get("teamName", ""), f"{side}.teamName"),
        wins=_int(data, "wins"),
        losses=_int(data, "losses"),
        score=_int(data, "score"),
    )


def _start_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"gameTimeUTC {value!r} has no time zone")
    return parsed


def _ended(status: GameStatus, status_text: str) -> bool:
    return status == GameStatus.FINAL or status_text.lower().startswith(("end", "half"))


def _elapsed(status: GameStatus, period: int, clock: float | None, status_text: str) -> float:
    """Elapsed game seconds of a state; an empty clock means a break or the end."""
    if status == GameStatus.SCHEDULED or period == 0:
        return 0.0
    if _ended(status, status_text):
        return float(period_end(period))
    if clock is not None:
        return elapsed_seconds(period, clock)
    # An empty clock without an end marker: the period has not started ticking.
    return float(period_start(period))


def _sealed(status: GameStatus, period: int, elapsed: float, status_text: str) -> bool:
    """True when the state ends its period or the game, or a new period has begun."""
    if status == GameStatus.SCHEDULED:
        return False
    return _ended(status, status_text) or (period > 1 and elapsed == period_start(period))


def parse_game(data: Mapping[str, Any]) -> GameState:
    game_id = str(data["gameId"]).strip()
    if not game_id.isdigit() or len(game_id) != 10:
        raise ValueError(f"gameId {game_id!r} is not a 10-digit id")
    number = _int(data, "gameStatus", 1)
    if number not in FEED_STATUSES:
        raise ValueError(f"gameStatus {number} is unknown")
    status = GameStatus(number)
    period = _int(data, "period")
    if status != GameStatus.SCHEDULED and period < 1:
        raise ValueError(f"status {status} with period {period}")
    status_text = _text(data.get("gameStatusText", ""), "gameStatusText")
    clock = parse_clock(str(data.get("gameClock") or ""))
    elapsed = _elapsed(status, period, clock, status_text)
    return GameState(
        game_id=game_id,
        status=status,
        status_text=status_text,
        period=period,
        clock_seconds=clock,
        elapsed=elapsed,
        home=_team(data.get("homeTeam"), "homeTeam"),
        away=_team(data.get("awayTeam"), "awayTeam"),
        start_time=_start_time(data.get("gameTimeUTC")),
        sealed=_sealed(status, period, elapsed, status_text),
    )


def parse_scoreboard(payload: Any) -> Scoreboard:
    """Every well-formed game of a scoreboard payload; the rest with reasons."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("scoreboard"), Mapping):
        raise PayloadError("payload has no 'scoreboard' object")
    board = payload["scoreboard"]
    games_data = board.get("games")
    if not isinstance(games_data, list):
        raise PayloadError("scoreboard has no 'games' list")
    try:
        game_date = dt.date.fromisoformat(board["gameDate"]) if board.get("gameDate") else None
    except ValueError as exc:
        raise PayloadError(f"bad gameDate {board.get('gameDate')!r}") from exc
    result = Scoreboard(game_date=game_date)
    for index, data in enumerate(games_data):
        game_id = str(data.get("gameId", f"#{index}")) if isinstance(data, Mapping) else f"#{index}"
        try:
            if not isinstance(data, Mapping):
                raise ValueError("not an object")
            result.games.append(parse_game(data))
        except (KeyError, ValueError, TypeError, ClockFormatError) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            logger.warning("rejected game %s: %s", game_id, reason)
            result.rejected.append(Rejected(game_id, reason))
    return result
