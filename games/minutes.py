"""Minute semantics: the single definition used live and for the historical dataset.

Minute m's value is the home-minus-away differential at elapsed game time 60*m
seconds: the last observed state at or before that instant (0-0 before the first
state). Minute m is *closed* once a state after 60*m s has been observed, or a
state that *seals* 60*m s: the end of its period or of the game (nothing more can
happen at that instant). A state exactly at 60*m s that does not seal it leaves the
minute open, because free throws are shot on a clock stopped at X:00 and the last
of them counts. A closed minute whose window (60*(m-1), 60*m] held no observed
state is filled from the last state before it and flagged ``imputed``.

Score states come from the live play-by-play too (``states_from_live_playbyplay``:
gap recovery live, and the historical dataset offline, read them the same way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from games.clock import elapsed_seconds, parse_clock

PREDICTION_MINUTE = 18  # 6:00 left in Q2
HALFTIME_MINUTE = 24


@dataclass(frozen=True, slots=True)
class ScoreState:
    elapsed: float
    home: int
    away: int

    @property
    def differential(self) -> int:
        return self.home - self.away


@dataclass(frozen=True, slots=True)
class MinuteValue:
    minute: int
    home: int
    away: int
    imputed: bool

    @property
    def differential(self) -> int:
        return self.home - self.away


def last_closed_minute(elapsed: float, sealed: bool = False) -> int:
    """The highest minute closed by a state at ``elapsed`` (``sealed``: period over)."""
    return int(elapsed // 60) if sealed else math.ceil(elapsed / 60) - 1


def close_minutes(
    last_closed: int, previous: ScoreState | None, new: ScoreState, sealed: bool = False
) -> list[MinuteValue]:
    """Minutes that observing ``new`` closes, after ``previous`` closed ``last_closed``.

    ``previous`` is the last state observed before ``new`` (None if none was);
    ``sealed`` says no later state can share ``new.elapsed`` (period or game over).
    A state that goes back in time (a replayed or out-of-order poll) closes nothing.
    """
    closed: list[MinuteValue] = []
    for minute in range(last_closed + 1, last_closed_minute(new.elapsed, sealed) + 1):
        boundary = 60 * minute
        if new.elapsed == boundary:  # only when sealed: the period ended right here
            closed.append(MinuteValue(minute, new.home, new.away, imputed=False))
            continue
        # previous.elapsed <= boundary < new.elapsed: the last state at or before it.
        base = previous if previous is not None and previous.elapsed <= boundary else None
        observed = base is not None and base.elapsed > boundary - 60
        home, away = (base.home, base.away) if base is not None else (0, 0)
        closed.append(MinuteValue(minute, home, away, imputed=not observed))
    return closed


def minute_series(states: Iterable[ScoreState], end_elapsed: float) -> list[int]:
    """Differentials for minutes 1..end_elapsed/60 from a complete, ordered state list.

    This is the batch form of ``close_minutes`` for historical play-by-play, where
    every scoring event is a state. Scores are taken as a running maximum, because
    rows at the same clock sometimes carry a stale score.
    """
    return [home - away for home, away in minute_scores(states, end_elapsed)]


def minute_scores(
    states: Iterable[ScoreState],
    end_elapsed: float,
    first_minute: int = 1,
    base: tuple[int, int] = (0, 0),
) -> list[tuple[int, int]]:
    """(home, away) for minutes ``first_minute``..end_elapsed/60: the scores behind
    ``minute_series``. ``states`` are those after the minute before ``first_minute``
    and ``base`` the running maximum of the scores up to its end (0-0 from tip-off)."""
    values: list[tuple[int, int]] = []
    home, away = base
    minute = first_minute
    last_minute = last_closed_minute(end_elapsed, sealed=True)
    for state in states:
        while minute <= last_minute and state.elapsed > 60 * minute:
            values.append((home, away))
            minute += 1
        home, away = max(home, state.home), max(away, state.away)
    while minute <= last_minute:
        values.append((home, away))
        minute += 1
    return values


def closed_minute_scores(
    states: Sequence[ScoreState],
    sealed: bool,
    first_minute: int = 1,
    base: tuple[int, int] = (0, 0),
) -> dict[int, tuple[int, int]]:
    """(home, away) of every minute from ``first_minute`` on that a play-by-play's ordered
    ``states`` have closed, by training semantics (``sealed``: no later state can share
    its last state's instant, the game being over, so that minute is closed too;
    ``base``: as for ``minute_scores``)."""
    if not states:
        return {}
    upto = last_closed_minute(states[-1].elapsed, sealed=sealed)
    if upto < first_minute:
        return {}
    scores = minute_scores(states, 60 * upto, first_minute, base)
    return dict(enumerate(scores, start=first_minute))


def states_from_live_playbyplay(actions: Sequence[Mapping[str, Any]]) -> list[ScoreState]:
    """Score states from the live feed's ``game.actions`` (scores come as strings).

    Actions without a clock are skipped. States are ordered by elapsed time, then
    actionNumber, and carry the running maximum of each score.
    """
    timed: list[tuple[float, int, int, int]] = []
    for action in actions:
        seconds_left = parse_clock(str(action.get("clock", "")))
        if seconds_left is None:
            continue
        elapsed = elapsed_seconds(int(action["period"]), seconds_left)
        home, away = int(action["scoreHome"]), int(action["scoreAway"])
        timed.append((elapsed, int(action["actionNumber"]), home, away))
    timed.sort(key=lambda row: (row[0], row[1]))
    return running_max_states((elapsed, home, away) for elapsed, _, home, away in timed)


def running_max_states(
    rows: Iterable[tuple[float, int, int]], base: tuple[int, int] = (0, 0)
) -> list[ScoreState]:
    """The states of ``rows`` (elapsed, home, away) with the running maximum of each
    score, starting from ``base``."""
    states: list[ScoreState] = []
    home, away = base
    for elapsed, row_home, row_away in rows:
        home, away = max(home, row_home), max(away, row_away)
        states.append(ScoreState(elapsed, home, away))
    return states
