"""Game state from play-by-play: a pure fold over normalised actions (no Django).

Both sources of NBA.com's play-by-play are turned into one ``PlayAction`` shape:

* the live feed (``nba_api.live.nba.endpoints.PlayByPlay``: ``game.actions``), with
  ``subType``/``descriptor``/``qualifiers``, jump balls, period starts/ends and a
  ``possession`` field (``action_from_live``);
* the historical parquet archive (``gabriel1200/playbyplay``), which keeps only team
  events - no jump balls, violations or period rows - and has no ``subType``: the
  free-throw number, foul kind and descriptor are read from ``description`` and
  ``qualifier`` (``action_from_archive``).

``step(state, action)`` is the fold; ``fold(actions)`` yields the state after every
action. A ``PlayState`` holds the score (running maximum, as ``pipelines.history``), the
period and its clock, who has the ball, free throws pending, team fouls per period and
the bonus, and timeouts left. Every rule reads only the action and the state before it,
so the live path and the dataset derive the same state from the same actions.

Possession rules (the side that has, or is about to get, the ball after the action):

1. a made field goal by S: the other side (an and-one's shooting foul then gives S
   its free throw, rule 5, and the last free throw made gives the ball back);
2. a missed field goal or missed last free throw by S: S until the rebound;
3. a rebound by S (offensive or defensive, player or team): S;
4. a turnover by S: the other side; a steal by S: S;
5. a personal foul (shooting, loose ball, take, flagrant, ...) by S: the other side
   (it shoots or inbounds); an offensive foul by S: S until its turnover row (rule 4);
   technical and double fouls change nothing;
6. free throws by S: S while they are shot; the last one made: the other side, except
   after flagrant, clear-path, transition-take and away-from-play free throws (the
   shooting side keeps the ball); technical free throws change nothing;
7. a field-goal attempt, a turnover or an offensive foul by S proves that S had the
   ball: possession is S entering it (this repairs what the archive cannot show:
   held balls, the opening tip, the start of an overtime);
8. a jump ball recovered by S (live feed only): S;
9. at the start of a period: the 2nd and 3rd periods go to the side that did not
   have the first possession of the game, the 4th to the side that did (NBA rule 5-I);
   an overtime starts with a jump ball, unknown until rule 7 or 8 says;
10. timeouts, substitutions, blocks, violations and anything else change nothing.

Team fouls: personal fouls (not offensive, technical or double) count for the fouling
side in the current period, reset each period. A side is *in the bonus* when the next
common foul by its opponent gives it free throws: the opponent has 4 team fouls in a
regulation period (3 in overtime), or has committed a team foul in the last 2:00 of
the period (NBA rule 12B-V). Free throws pending come from the foul's qualifier
(``1freethrow``/``2freethrow``/``3freethrow``) and each free-throw row's "k of n".
Timeouts: 7 per game, at most 4 left entering the 4th period and 2 after its 3:00
mark, 2 per overtime period (rule 5-VII); every team ``timeout`` row costs one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from games.clock import (
    OVERTIME_PERIOD_SECONDS,
    REGULATION_PERIOD_SECONDS,
    REGULATION_PERIODS,
    elapsed_seconds,
    parse_clock,
)

Side = Literal["home", "away"]
HOME: Side = "home"
AWAY: Side = "away"

TIMEOUTS_PER_GAME = 7
TIMEOUTS_MAX_FOURTH = 4
TIMEOUTS_MAX_LATE_FOURTH = 2  # after the 3:00 mark of the 4th period
LATE_FOURTH_SECONDS = 180.0
TIMEOUTS_PER_OVERTIME = 2
FOULS_BEFORE_BONUS = 4  # regulation: the 5th team foul of a period gives free throws
FOULS_BEFORE_BONUS_OVERTIME = 3
LATE_PERIOD_SECONDS = 120.0  # last 2:00 of a period: one team foul allowed
FIELD_GOALS = frozenset({"2pt", "3pt"})
# Free throws after which the shooting side keeps the ball (rule 6).
RETAINED_FREE_THROWS = ("flagrant", "clear-path", "clear path", "take", "away-from-play")

_FREE_THROW = re.compile(r"(\d)\s+of\s+(\d)")
_SHOTS_IN_QUALIFIER = re.compile(r"^(\d)freethrow$")


def other(side: Side) -> Side:
    return AWAY if side == HOME else HOME


@dataclass(frozen=True, slots=True)
class PlayAction:
    """One play-by-play action, the same shape from the live feed and the archive.

    ``side`` is the acting team (None for team-less rows); ``sub_type`` and
    ``descriptor`` use the live feed's spelling (``"2 of 2"``, ``"personal"``,
    ``"shooting"``, ...). ``possession`` is the live feed's own ``possession`` field
    (the side in possession *during* the action; None in the archive); the fold never
    reads it, it is kept to check the fold against (``pipelines``).
    """

    number: int  # order within the game (live orderNumber, else actionNumber)
    period: int
    seconds_left: float  # on the period clock
    kind: str  # actionType: 2pt, 3pt, freethrow, rebound, foul, turnover, jumpball, ...
    side: Side | None
    score_home: int
    score_away: int
    made: bool = False
    sub_type: str = ""
    descriptor: str = ""
    qualifiers: tuple[str, ...] = ()
    possession: Side | None = None

    @property
    def elapsed(self) -> float:
        return elapsed_seconds(self.period, self.seconds_left)

    @property
    def free_throw(self) -> tuple[int, int] | None:
        """(k, n) of a free throw "k of n", else None."""
        match = _FREE_THROW.search(self.sub_type) if self.kind == "freethrow" else None
        return (int(match.group(1)), int(match.group(2))) if match else None

    @property
    def technical_free_throw(self) -> bool:
        return self.kind == "freethrow" and "technical" in self.descriptor

    @property
    def shots_awarded(self) -> int:
        """Free throws a foul awards (its ``Nfreethrow`` qualifier), 0 if none."""
        for qualifier in self.qualifiers:
            match = _SHOTS_IN_QUALIFIER.match(qualifier)
            if match:
                return int(match.group(1))
        return 0

    @property
    def team_foul(self) -> bool:
        """A foul that counts toward its side's team fouls (and gives the ball away)."""
        return (
            self.kind == "foul"
            and self.sub_type not in ("offensive", "technical")
            and "double" not in self.descriptor
            and "technical" not in self.descriptor
        )


# --- normalisers ------------------------------------------------------------------------


def _side_of(tricode: Any, home_tricode: str, away_tricode: str) -> Side | None:
    if tricode == home_tricode:
        return HOME
    if tricode == away_tricode:
        return AWAY
    return None


def action_from_live(
    raw: Mapping[str, Any], home_team_id: int, away_team_id: int
) -> PlayAction | None:
    """A live-feed action (``game.actions[i]``); None for one without a clock."""
    seconds_left = parse_clock(str(raw.get("clock") or ""))
    if seconds_left is None:
        return None
    teams = {home_team_id: HOME, away_team_id: AWAY}
    side = teams.get(int(raw.get("teamId") or 0))
    possession = teams.get(int(raw.get("possession") or 0))
    order = raw.get("orderNumber")
    return PlayAction(
        number=int(order if order is not None else raw["actionNumber"]),
        period=int(raw["period"]),
        seconds_left=seconds_left,
        kind=str(raw.get("actionType") or ""),
        side=side,
        score_home=int(raw.get("scoreHome") or 0),
        score_away=int(raw.get("scoreAway") or 0),
        made=raw.get("shotResult") == "Made",
        sub_type=str(raw.get("subType") or ""),
        descriptor=str(raw.get("descriptor") or ""),
        qualifiers=tuple(str(q) for q in raw.get("qualifiers") or ()),
        possession=possession,
    )


# Foul descriptors as the archive's descriptions spell them ("X loose ball personal FOUL").
_ARCHIVE_FOUL_DESCRIPTORS = (
    "transition take",
    "take",
    "loose ball",
    "shooting",
    "away-from-play",
    "clear-path",
    "flagrant-type-1",
    "flagrant-type-2",
    "double",
    "charge",
    "off-the-ball",
    "defensive-3-second",
    "delay",
    "flopping",
    "rim-hanging",
)
_ARCHIVE_FREE_THROW_DESCRIPTORS = (
    "technical",
    "flagrant",
    "clear-path",
    "transition take",
    "away-from-play",
)


def _archive_qualifiers(value: Any) -> tuple[str, ...]:
    """The archive stores qualifiers as the text of a Python list: "['team', '1freethrow']"."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    parsed = ast.literal_eval(str(value))
    return tuple(str(v) for v in parsed) if isinstance(parsed, list | tuple) else ()


def _archive_foul(description: str) -> tuple[str, str]:
    """(sub_type, descriptor) of an archive foul from its description."""
    text = description.lower()
    if "technical" in text or "foul technical" in text:
        sub_type = "technical"
    elif "offensive foul" in text:
        sub_type = "offensive"
    else:
        sub_type = "personal"
    descriptor = next((d for d in _ARCHIVE_FOUL_DESCRIPTORS if f" {d} " in f" {text} "), "")
    return sub_type, descriptor


def action_from_archive(row: Mapping[str, Any], home_tricode: str, away_tricode: str) -> PlayAction:
    """An archive row (parquet columns of ``gabriel1200/playbyplay``) as a ``PlayAction``."""
    seconds_left = parse_clock(str(row["clock"]))
    if seconds_left is None:
        raise ValueError(f"action {row.get('actionNumber')} has no clock")
    kind = str(row["actionType"])
    description = str(row.get("description") or "")
    sub_type = descriptor = ""
    if kind == "freethrow":
        match = _FREE_THROW.search(description)
        sub_type = f"{match.group(1)} of {match.group(2)}" if match else ""
        head = description.split("Free Throw")[0].lower()
        descriptor = next((d for d in _ARCHIVE_FREE_THROW_DESCRIPTORS if d in head), "")
    elif kind == "foul":
        sub_type, descriptor = _archive_foul(description)
    elif kind == "rebound":
        lowered = description.lower()
        if "offensive rebound" in lowered:
            sub_type = "offensive"
        elif "defensive rebound" in lowered:
            sub_type = "defensive"
    return PlayAction(
        number=int(row["actionNumber"]),
        period=int(row["period"]),
        seconds_left=seconds_left,
        kind=kind,
        side=_side_of(row.get("team"), home_tricode, away_tricode),
        score_home=int(row["scoreHome"]),
        score_away=int(row["scoreAway"]),
        made=row.get("shotResult") == "Made",
        sub_type=sub_type,
        descriptor=descriptor,
        qualifiers=_archive_qualifiers(row.get("qualifier")),
    )


def sort_actions(actions: Iterable[PlayAction]) -> list[PlayAction]:
    """Game order: period, clock (running down), then the feed's order.

    The same order as ``pipelines.history``'s (elapsed time, actionNumber), except that at a
    boundary between periods the earlier period's last actions come first.
    """
    return sorted(actions, key=lambda a: (a.period, -a.seconds_left, a.number))


# --- the state and the fold -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayState:
    """The game after some actions. Fouls and late fouls are per current period."""

    period: int = 1
    seconds_left: float = float(REGULATION_PERIOD_SECONDS)
    score_home: int = 0
    score_away: int = 0
    possession: Side | None = None
    free_throws_pending: int = 0
    free_throw_side: Side | None = None
    fouls_home: int = 0  # team fouls committed by home this period
    fouls_away: int = 0
    late_fouls_home: int = 0  # ... of which in the last 2:00 of the period
    late_fouls_away: int = 0
    timeouts_home: int = TIMEOUTS_PER_GAME
    timeouts_away: int = TIMEOUTS_PER_GAME
    first_possession: Side | None = None  # who had the game's first possession (rule 9)
    actions: int = 0

    @property
    def margin(self) -> int:
        return self.score_home - self.score_away

    @property
    def overtime(self) -> bool:
        return self.period > REGULATION_PERIODS

    @property
    def elapsed(self) -> float:
        return elapsed_seconds(self.period, self.seconds_left)

    def fouls(self, side: Side) -> int:
        return self.fouls_home if side == HOME else self.fouls_away

    @property
    def possession_sign(self) -> int | None:
        """Who has the ball as the forecast reads it: +1 home, -1 away, None unknown."""
        return {HOME: 1, AWAY: -1}[self.possession] if self.possession else None

    @property
    def signed_free_throws_pending(self) -> int:
        """Free throws still to shoot, negative when the away team shoots them (the
        forecast's encoding, in training and live alike)."""
        return (
            -self.free_throws_pending if self.free_throw_side == AWAY else self.free_throws_pending
        )

    def in_bonus(self, side: Side) -> bool:
        """Would the opponent's next common foul give ``side`` free throws?"""
        opponent = other(side)
        limit = FOULS_BEFORE_BONUS_OVERTIME if self.overtime else FOULS_BEFORE_BONUS
        late = self.late_fouls_home if opponent == HOME else self.late_fouls_away
        return self.fouls(opponent) >= limit or late >= 1

    def timeouts(self, side: Side) -> int:
        return self.timeouts_home if side == HOME else self.timeouts_away


def _start_period(state: PlayState, period: int) -> PlayState:
    """Rule 9 and the per-period resets (fouls, free throws, timeouts in the 4th/OT)."""
    if period > REGULATION_PERIODS:
        possession = None
        timeouts = (TIMEOUTS_PER_OVERTIME, TIMEOUTS_PER_OVERTIME)
        length = OVERTIME_PERIOD_SECONDS
    else:
        first = state.first_possession
        possession = None
        if first is not None and period in (2, 3):
            possession = other(first)
        elif first is not None and period == REGULATION_PERIODS:
            possession = first
        cap = TIMEOUTS_MAX_FOURTH if period == REGULATION_PERIODS else TIMEOUTS_PER_GAME
        timeouts = (min(state.timeouts_home, cap), min(state.timeouts_away, cap))
        length = REGULATION_PERIOD_SECONDS
    return replace(
        state,
        period=period,
        seconds_left=float(length),
        possession=possession,
        free_throws_pending=0,
        free_throw_side=None,
        fouls_home=0,
        fouls_away=0,
        late_fouls_home=0,
        late_fouls_away=0,
        timeouts_home=timeouts[0],
        timeouts_away=timeouts[1],
    )


def _possession_after(state: PlayState, action: PlayAction) -> Side | None:
    """Rules 1-8: who has the ball after ``action`` (``state`` is before it)."""
    side, kind = action.side, action.kind
    if side is None:
        return state.possession
    if kind in FIELD_GOALS:
        return other(side) if action.made else side
    if kind in ("rebound", "steal", "jumpball"):
        return side
    if kind == "turnover":
        return other(side)
    if kind == "foul":
        if action.sub_type == "offensive":
            return side
        return other(side) if action.team_foul else state.possession
    if kind == "freethrow":
        if action.technical_free_throw:
            return state.possession
        number = action.free_throw
        if number is None or number[0] < number[1]:
            return side
        if not action.made or any(d in action.descriptor for d in RETAINED_FREE_THROWS):
            return side
        return other(side)
    return state.possession


def step(state: PlayState, action: PlayAction) -> PlayState:
    """The state after ``action``: the fold's one step (pure: ``state`` is unchanged)."""
    if action.period > state.period:
        state = _start_period(state, action.period)
    if action.kind == "period" and action.sub_type == "start":
        return replace(state, actions=state.actions + 1)
    side = action.side
    possession = _possession_after(state, action)
    first = state.first_possession
    if first is None and state.period == 1 and action.kind != "period":
        # Rule 7/8 in the first period: the first side known to have the ball.
        proven = proven_possession(action)
        if proven is not None:
            first = proven
    pending, pending_side = state.free_throws_pending, state.free_throw_side
    fouls = {HOME: state.fouls_home, AWAY: state.fouls_away}
    late = {HOME: state.late_fouls_home, AWAY: state.late_fouls_away}
    timeouts = {HOME: state.timeouts_home, AWAY: state.timeouts_away}
    if side is not None:
        if action.kind == "foul":
            if action.team_foul:
                fouls[side] += 1
                if action.seconds_left <= LATE_PERIOD_SECONDS:
                    late[side] += 1
            shots = action.shots_awarded
            if shots:
                pending, pending_side = shots, other(side)
        elif action.kind == "freethrow" and not action.technical_free_throw:
            number = action.free_throw
            if number is not None:
                pending, pending_side = number[1] - number[0], side
            else:
                pending = max(pending - 1, 0)
            if pending == 0:
                pending_side = None
        elif action.kind == "timeout":
            timeouts[side] = max(timeouts[side] - 1, 0)
    if (
        state.period == REGULATION_PERIODS
        and action.seconds_left < LATE_FOURTH_SECONDS
        and max(timeouts.values()) > TIMEOUTS_MAX_LATE_FOURTH
    ):
        timeouts = {s: min(n, TIMEOUTS_MAX_LATE_FOURTH) for s, n in timeouts.items()}
    return replace(
        state,
        seconds_left=action.seconds_left,
        score_home=max(state.score_home, action.score_home),
        score_away=max(state.score_away, action.score_away),
        possession=possession,
        free_throws_pending=pending,
        free_throw_side=pending_side,
        fouls_home=fouls[HOME],
        fouls_away=fouls[AWAY],
        late_fouls_home=late[HOME],
        late_fouls_away=late[AWAY],
        timeouts_home=timeouts[HOME],
        timeouts_away=timeouts[AWAY],
        first_possession=first,
        actions=state.actions + 1,
    )


def proven_possession(action: PlayAction) -> Side | None:
    """The side an action proves had the ball when it happened (rules 7 and 8)."""
    side = action.side
    if side is None:
        return None
    if action.kind in FIELD_GOALS or action.kind in ("turnover", "jumpball"):
        return side
    if action.kind == "foul" and action.sub_type == "offensive":
        return side
    if action.kind == "foul" and action.team_foul:
        return other(side)
    return None


def at_time(state: PlayState, period: int, seconds_left: float) -> PlayState:
    """The state at a later instant with no action in between: the clock has run on and,
    if ``period`` is a later one, new periods have started (rule 9, per-period resets)."""
    if period < state.period or (period == state.period and seconds_left > state.seconds_left):
        raise ValueError(
            f"{period}/{seconds_left} s is before the state ({state.period}/{state.seconds_left})"
        )
    while state.period < period:
        state = _start_period(state, state.period + 1)
    capped = state.timeouts_home, state.timeouts_away
    if period == REGULATION_PERIODS and seconds_left < LATE_FOURTH_SECONDS:
        capped = tuple(min(n, TIMEOUTS_MAX_LATE_FOURTH) for n in capped)  # type: ignore[assignment]
    return replace(
        state, seconds_left=seconds_left, timeouts_home=capped[0], timeouts_away=capped[1]
    )


def fold(actions: Iterable[PlayAction], state: PlayState | None = None) -> Iterator[PlayState]:
    """The state after each action, in the given order (see ``sort_actions``)."""
    current = state or PlayState()
    for action in actions:
        current = step(current, action)
        yield current


def final_state(actions: Iterable[PlayAction], state: PlayState | None = None) -> PlayState:
    """The state after all ``actions`` (the start state if there are none)."""
    current = state or PlayState()
    for action in actions:
        current = step(current, action)
    return current
