"""Replay a recorded game night through the live parser.

The night (``data/replay_night.json``, or any date of a play-by-play directory)
holds each game's scoring states. Poll number ``tick`` is turned into a
scoreboard payload in the exact live schema: games tip off in waves, the clock
advances ``seconds_per_poll`` game seconds per poll, with short breaks (clock "")
between periods and a longer one at halftime.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from games.clock import REGULATION_PERIODS, format_clock, period_length, period_start
from games.feed.types import GameStatus

logger = logging.getLogger(__name__)

TIP_WAVE_SIZE = 3  # games tipping off at once
TIP_WAVE_GAP_POLLS = 2


@dataclass(frozen=True)
class ReplayGame:
    game_id: str
    home: dict[str, Any]
    away: dict[str, Any]
    periods: int
    elapsed: tuple[float, ...]
    scores: tuple[tuple[int, int], ...]

    def score_at(self, elapsed: float) -> tuple[int, int]:
        index = bisect.bisect_right(self.elapsed, elapsed)
        return self.scores[index - 1] if index else (0, 0)


@dataclass(frozen=True)
class ReplayNight:
    date: dt.date
    games: tuple[ReplayGame, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplayNight:
        games = []
        for item in data["games"]:
            events = sorted((float(e), int(h), int(a)) for e, h, a in item["events"])
            games.append(
                ReplayGame(
                    game_id=str(item["game_id"]),
                    home=item["home"],
                    away=item["away"],
                    periods=int(item["periods"]),
                    elapsed=tuple(e for e, _, _ in events),
                    scores=tuple((h, a) for _, h, a in events),
                )
            )
        return cls(date=dt.date.fromisoformat(data["date"]), games=tuple(games))

    @classmethod
    def from_file(cls, path: Path) -> ReplayNight:
        return cls.from_dict(json.loads(path.read_text()))


@dataclass(frozen=True)
class Phase:
    status: GameStatus
    period: int
    clock: float | None  # seconds left; None = the empty clock of a break
    text: str
    elapsed: float


class ReplaySchedule:
    """Which phase each game is in at a given poll number."""

    def __init__(self, seconds_per_poll: int, break_polls: int, halftime_polls: int) -> None:
        self.step = seconds_per_poll
        self.break_polls = break_polls
        self.halftime_polls = halftime_polls

    def timeline(self, periods: int) -> list[Phase]:
        phases: list[Phase] = []
        for period in range(1, periods + 1):
            length = period_length(period)
            label = f"Q{period}" if period <= REGULATION_PERIODS else f"OT{period - 4}"
            left = float(length)
            while left > 0:
                left = max(left - self.step, 0.0)
                elapsed = float(period_start(period) + length - left)
                if left > 0:
                    text = f"{label} {int(left // 60):02d}:{int(left % 60):02d}"
                else:
                    text = "Half" if period == 2 else f"End of {label}"
                phases.append(Phase(GameStatus.LIVE, period, left, text, elapsed))
            if period == periods:
                break
            pause = self.halftime_polls if period == 2 else self.break_polls
            phases.extend(
                Phase(GameStatus.LIVE, period, None, phases[-1].text, phases[-1].elapsed)
                for _ in range(pause)
            )
        return phases

    @staticmethod
    def tip_offset(index: int) -> int:
        return (index // TIP_WAVE_SIZE) * TIP_WAVE_GAP_POLLS


class ReplayBoard:
    """Scoreboard payloads for a night, one per poll number."""

    def __init__(self, night: ReplayNight, schedule: ReplaySchedule, poll_seconds: float) -> None:
        self.night = night
        self.schedule = schedule
        self.poll_seconds = poll_seconds
        self._timelines = {g.game_id: schedule.timeline(g.periods) for g in night.games}

    def last_tick(self) -> int:
        """The first poll at which every game is final."""
        return max(
            ReplaySchedule.tip_offset(i) + len(self._timelines[g.game_id])
            for i, g in enumerate(self.night.games)
        )

    def payload(self, tick: int, started: dt.datetime) -> dict[str, Any]:
        """The scoreboard at poll number ``tick`` of a replay that began at ``started``."""
        games = [self._game(i, game, tick, started) for i, game in enumerate(self.night.games)]
        now = started + dt.timedelta(seconds=tick * self.poll_seconds)
        return {
            "meta": {"version": 1, "request": "replay", "time": now.isoformat(), "code": 200},
            "scoreboard": {
                "gameDate": self.night.date.isoformat(),
                "leagueId": "00",
                "leagueName": "National Basketball Association",
                "games": games,
            },
        }

    def _game(
        self, index: int, game: ReplayGame, tick: int, started: dt.datetime
    ) -> dict[str, Any]:
        offset = ReplaySchedule.tip_offset(index)
        timeline = self._timelines[game.game_id]
        position = tick - offset
        tip = started + dt.timedelta(seconds=offset * self.poll_seconds)
        if position < 0:
            phase = Phase(GameStatus.SCHEDULED, 0, None, f"{tip:%-I:%M %p} UTC", 0.0)
        elif position >= len(timeline):
            last = timeline[-1]
            text = "Final" if last.period <= REGULATION_PERIODS else f"Final/OT{last.period - 4}"
            phase = Phase(GameStatus.FINAL, last.period, None, text, last.elapsed)
        else:
            phase = timeline[position]
        home, away = (
            game.score_at(phase.elapsed) if phase.status != GameStatus.SCHEDULED else (0, 0)
        )
        return {
            "gameId": game.game_id,
            "gameCode": f"{self.night.date:%Y%m%d}/{game.away['tricode']}{game.home['tricode']}",
            "gameStatus": int(phase.status),
            "gameStatusText": phase.text,
            "period": phase.period,
            "gameClock": "" if phase.clock is None else format_clock(phase.clock),
            "gameTimeUTC": tip.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "gameEt": "",
            "regulationPeriods": REGULATION_PERIODS,
            "homeTeam": _team(game.home, home),
            "awayTeam": _team(game.away, away),
        }


def _team(team: dict[str, Any], score: int) -> dict[str, Any]:
    return {
        "teamId": team["team_id"],
        "teamName": team["name"],
        "teamCity": team["city"],
        "teamTricode": team["tricode"],
        "wins": team["wins"],
        "losses": team["losses"],
        "score": score,
    }
