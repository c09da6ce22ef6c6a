"""The alert rules, as pure functions over what a game has shown so far.

Each rule takes plain values (the observed states, the win probabilities after each
closed minute, the minute-18 prediction's intervals) and the thresholds of
``AlertSettings``, and returns the ``Candidate`` alerts it sees, each with its
occurrence key. Storing them once is ``alerts.services``' job: a rule may report the
same candidate on every evaluation, the (game, rule, key) constraint keeps one row.

Defaults (``AlertSettings``, editable in the admin):

* **clutch time**: at most 5:00 left in the 4th quarter or any overtime and a margin of
  at most 5 (key ``P<period>``);
* **big swing**: the home win probability differs by at least 25 points from its value
  2 game-minutes earlier (key ``m<minute>``; none within 3 game-minutes of the last);
* **upset brewing**: the pre-game favourite (the better record, as the minute-18
  forecast reads it; on equal records the better average margin of the season's stored
  games) has a win probability of at most 25 % after the first quarter (key ``game``);
* **forecast miss**: the actual halftime differential outside the minute-18 forecast's
  90 % interval (key ``halftime``), the final margin outside the minute-18 final-margin
  90 % interval (key ``final``);
* **run**: one team scores at least 10 unanswered points (key ``<side>@<elapsed>``, the
  game second of the run's first score), from the observed score changes until the
  play-by-play lands;
* **feed trouble**: polls failing for at least 60 s (key: when the failing began; no game).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from games.clock import REGULATION_PERIODS, period_end

CLUTCH, BIG_SWING, UPSET, FORECAST_MISS, RUN, FEED_TROUBLE = (
    "clutch",
    "big_swing",
    "upset",
    "forecast_miss",
    "run",
    "feed_trouble",
)


class Thresholds(Protocol):
    """What the rules read of ``AlertSettings``."""

    clutch_seconds_left: int
    clutch_margin: int
    swing_points: int
    swing_minutes: int
    swing_cooldown_minutes: int
    upset_probability: int
    upset_from_minute: int
    run_points: int
    feed_trouble_seconds: int


@dataclass(frozen=True)
class Moment:
    """One observed state of a game (``clock``: seconds left; None in a break)."""

    period: int
    clock: float | None
    elapsed: float
    home: int
    away: int

    @classmethod
    def at_elapsed(cls, elapsed: float, home: int, away: int) -> Moment:
        """The moment at the end of a game second (a period's end belongs to it)."""
        period = 1
        while elapsed > period_end(period):
            period += 1
        return cls(period, period_end(period) - elapsed, elapsed, home, away)


@dataclass(frozen=True)
class Reading:
    """A live win probability and the state it was forecast at (the score shown with it)."""

    probability: float
    moment: Moment


@dataclass(frozen=True)
class Teams:
    home: str
    away: str


@dataclass(frozen=True)
class Candidate:
    rule: str
    key: str
    text: str
    moment: Moment | None = None
    active: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def period_words(period: int) -> str:
    """Q1..Q4, OT, 2OT, ... (as the dashboard names periods)."""
    if period <= REGULATION_PERIODS:
        return f"Q{period}"
    overtime = period - REGULATION_PERIODS
    return "OT" if overtime == 1 else f"{overtime}OT"


def clock_words(moment: Moment) -> str:
    """``4:00 left in Q4``, ``end of OT``."""
    if moment.clock is None or moment.clock <= 0:
        return f"end of {period_words(moment.period)}"
    minutes, seconds = divmod(round(moment.clock), 60)
    return f"{minutes}:{seconds:02d} left in {period_words(moment.period)}"


def score_words(teams: Teams, moment: Moment) -> str:
    """``SAC 95 @ DAL 100``: each team beside its own score, away @ home (as the cards
    and the alert's game name read)."""
    return f"{teams.away} {moment.away} @ {teams.home} {moment.home}"


# --- clutch time --------------------------------------------------------------------------


def in_clutch(moment: Moment, limits: Thresholds) -> bool:
    return (
        moment.period >= REGULATION_PERIODS
        and moment.clock is not None
        and moment.clock <= limits.clutch_seconds_left
        and abs(moment.home - moment.away) <= limits.clutch_margin
    )


def clutch(
    teams: Teams, moments: Iterable[Moment], now: Moment | None, live: bool, limits: Thresholds
) -> list[Candidate]:
    """The first clutch moment of each period; active while the latest state is one."""
    first: dict[int, Moment] = {}
    for moment in sorted(moments, key=lambda m: m.elapsed):
        if in_clutch(moment, limits):
            first.setdefault(moment.period, moment)
    return [
        Candidate(
            CLUTCH,
            f"P{period}",
            f"Clutch time: {score_words(teams, moment)}, {clock_words(moment)}",
            moment,
            active=live and now is not None and now.period == period and in_clutch(now, limits),
        )
        for period, moment in sorted(first.items())
    ]


# --- runs ----------------------------------------------------------------------------------


def runs(teams: Teams, scores: Sequence[Moment], live: bool, limits: Thresholds) -> list[Candidate]:
    """Runs of at least ``run_points`` unanswered points from the score changes.

    ``scores``: the game's distinct score states in game order (the first moment of
    each). A change in which both teams scored, or a score that went down (a stat
    correction), ends any run.
    """
    found: list[Candidate] = []
    prev_home = prev_away = 0
    side = ""
    start: Moment | None = None
    base = 0
    fired = False
    for moment in scores:
        home_up, away_up = moment.home - prev_home, moment.away - prev_away
        if home_up < 0 or away_up < 0 or (home_up > 0 and away_up > 0):
            side, start, fired = "", None, False
        elif home_up > 0 or away_up > 0:
            scorer = "home" if home_up > 0 else "away"
            if scorer != side:
                side, start, fired = scorer, moment, False
                base = prev_home if scorer == "home" else prev_away
        prev_home, prev_away = moment.home, moment.away
        if not side or start is None or fired:
            continue
        points = (moment.home if side == "home" else moment.away) - base
        if points >= limits.run_points:
            fired = True
            team = teams.home if side == "home" else teams.away
            found.append(
                Candidate(
                    RUN,
                    f"{side}@{start.elapsed:g}",
                    f"Run: {team} on a {points}-0 run, {score_words(teams, moment)}, "
                    f"{clock_words(moment)}",
                    moment,
                    details={"team": team, "points": points, "since_elapsed": start.elapsed},
                )
            )
    if found and live and fired and found[-1].key == f"{side}@{start.elapsed:g}":  # type: ignore[union-attr]
        last = found[-1]
        found[-1] = Candidate(last.rule, last.key, last.text, last.moment, True, last.details)
    return found


# --- win probability: big swing, upset brewing ---------------------------------------------


def big_swings(
    teams: Teams,
    readings: dict[int, Reading],
    fired: Iterable[int],
    limits: Thresholds,
) -> list[Candidate]:
    """Minutes whose home win probability moved by ``swing_points`` from ``swing_minutes``
    earlier, none within ``swing_cooldown_minutes`` of an earlier swing (``fired``: the
    minutes of the swings already stored); told at the state the new probability is of."""
    taken = sorted(fired)
    found: list[Candidate] = []
    for minute in sorted(readings):
        earlier = readings.get(minute - limits.swing_minutes)
        if earlier is None:
            continue
        before, now = earlier.probability, readings[minute].probability
        if abs(now - before) * 100 < limits.swing_points:
            continue
        if any(abs(minute - other) <= limits.swing_cooldown_minutes for other in taken):
            continue
        taken.append(minute)
        moment = readings[minute].moment
        found.append(
            Candidate(
                BIG_SWING,
                f"m{minute}",
                f"Big swing: {teams.home} win probability {before:.0%} → {now:.0%} in "
                f"{limits.swing_minutes} minutes, {score_words(teams, moment)}, "
                f"{clock_words(moment)}",
                moment,
                details={"before": before, "after": now, "minute": minute},
            )
        )
    return found


def upset(
    teams: Teams,
    favourite: str,
    readings: dict[int, Reading],
    live: bool,
    limits: Thresholds,
) -> list[Candidate]:
    """The favourite's (``home``/``away``) win probability at most ``upset_probability`` %
    after ``upset_from_minute``; active while its latest probability still is."""

    def favoured(minute: int) -> float:
        probability = readings[minute].probability
        return probability if favourite == "home" else 1 - probability

    limit = limits.upset_probability / 100
    minutes = [m for m in sorted(readings) if m >= limits.upset_from_minute]
    for minute in minutes:
        chance = favoured(minute)
        if chance <= limit:
            moment = readings[minute].moment
            team = teams.home if favourite == "home" else teams.away
            return [
                Candidate(
                    UPSET,
                    "game",
                    f"Upset brewing: favourite {team} down to {chance:.0%}, "
                    f"{score_words(teams, moment)}, {clock_words(moment)}",
                    moment,
                    active=live and favoured(minutes[-1]) <= limit,
                    details={"favourite": team, "probability": chance, "minute": minute},
                )
            ]
    return []


# --- forecast miss ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    point: float | None
    lo: int | None
    hi: int | None
    actual: int | None

    def missed(self) -> bool:
        return (
            self.actual is not None
            and self.lo is not None
            and self.hi is not None
            and not self.lo <= self.actual <= self.hi
        )


def forecast_misses(
    teams: Teams,
    halftime: Interval,
    final: Interval,
    halftime_moment: Moment | None,
    final_moment: Moment | None,
) -> list[Candidate]:
    """The minute-18 forecast's 90 % intervals against the actual halftime differential
    and final margin (home minus away)."""
    found = []
    for key, interval, moment, what in (
        ("halftime", halftime, halftime_moment, "halftime differential"),
        ("final", final, final_moment, "final margin"),
    ):
        if not interval.missed():
            continue
        found.append(
            Candidate(
                FORECAST_MISS,
                key,
                f"Forecast miss: {teams.home} {what} {interval.actual:+d}, outside the "
                f"minute-18 90% interval [{interval.lo:+d}, {interval.hi:+d}]",
                moment,
                details={
                    "actual": interval.actual,
                    "lo90": interval.lo,
                    "hi90": interval.hi,
                    "point": interval.point,
                },
            )
        )
    return found


# --- feed trouble ----------------------------------------------------------------------------


def feed_trouble(
    failing_since: dt.datetime | None,
    now: dt.datetime,
    limits: Thresholds,
    budget_spent: tuple[dt.datetime, int] | None = None,
) -> list[Candidate]:
    """Polls failing since ``failing_since`` (the first failed poll after the last good
    one; None: the last poll was good) for at least ``feed_trouble_seconds``; and the
    play-by-play request budget spent - every follow-up since ``budget_spent[0]`` left
    games out (``budget_spent[1]`` requests not made at the last one) - for as long."""

    def lasting(since: dt.datetime) -> bool:
        return (now - since).total_seconds() >= limits.feed_trouble_seconds

    found = []
    if failing_since is not None and lasting(failing_since):
        found.append(
            Candidate(
                FEED_TROUBLE,
                failing_since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Feed trouble: polls failing since "
                f"{failing_since.astimezone(dt.UTC):%H:%M:%S} UTC",
                active=True,
                details={"since": failing_since.isoformat()},
            )
        )
    if budget_spent is not None and lasting(budget_spent[0]):
        since, missed = budget_spent
        found.append(
            Candidate(
                FEED_TROUBLE,
                "budget@" + since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Feed trouble: play-by-play request budget spent since "
                f"{since.astimezone(dt.UTC):%H:%M:%S} UTC ({missed} requests not made "
                "at the last follow-up; those games go on from the scoreboard alone)",
                active=True,
                details={"since": since.isoformat(), "requests_not_made": missed},
            )
        )
    return found
