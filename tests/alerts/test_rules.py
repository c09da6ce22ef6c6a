"""The rules as pure functions: each threshold's edges, each occurrence key."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from alerts import rules
from alerts.rules import Moment

TEAMS = rules.Teams(home="DAL", away="SAC")
LIMITS = SimpleNamespace(
    clutch_seconds_left=300,
    clutch_margin=5,
    swing_points=25,
    swing_minutes=2,
    swing_cooldown_minutes=3,
    upset_probability=25,
    upset_from_minute=12,
    run_points=10,
    feed_trouble_seconds=60,
)


def at(period: int, left: float, home: int, away: int) -> Moment:
    start = (period - 1) * 720 if period <= 4 else 2880 + (period - 5) * 300
    length = 720 if period <= 4 else 300
    return Moment(period, left, start + length - left, home, away)


def readings_of(
    probabilities: dict[int, float], scores: dict[int, tuple[int, int]]
) -> dict[int, rules.Reading]:
    """Readings at each minute's end (the score 0-0 where none is given)."""
    return {
        minute: rules.Reading(p, Moment.at_elapsed(60.0 * minute, *scores.get(minute, (0, 0))))
        for minute, p in probabilities.items()
    }


def test_clutch_is_the_last_five_minutes_of_the_fourth_or_an_overtime_within_five() -> None:
    moments = [
        at(3, 100, 80, 80),  # third quarter: never clutch
        at(4, 301, 100, 99),  # 5:01 left: not yet
        at(4, 300, 100, 94),  # margin 6: not clutch
        at(4, 240, 100, 95),  # 4:00 left, margin 5: clutch
        at(4, 120, 104, 100),  # later in the same period: the same occurrence
        at(5, 300, 110, 110),  # overtime: a second occurrence
    ]
    found = rules.clutch(TEAMS, moments, moments[-1], True, LIMITS)
    assert [(c.key, c.moment) for c in found] == [("P4", moments[3]), ("P5", moments[5])]
    assert [c.active for c in found] == [False, True]  # the OT is the one going on
    assert found[0].text == "Clutch time: SAC 95 @ DAL 100, 4:00 left in Q4"
    assert found[1].text == "Clutch time: SAC 110 @ DAL 110, 5:00 left in OT"
    assert not rules.clutch(TEAMS, moments, moments[-1], False, LIMITS)[1].active  # final


def test_a_run_is_ten_unanswered_points_keyed_by_its_first_score() -> None:
    def score(elapsed: float, home: int, away: int) -> Moment:
        return Moment.at_elapsed(elapsed, home, away)

    states = [
        score(60, 2, 0),
        score(120, 2, 3),  # SAC scores: a SAC run starts here
        score(180, 2, 7),
        score(240, 2, 12),  # SAC 12-0 since DAL's last score
        score(300, 2, 15),  # the same run goes on: no second alert
        score(360, 4, 17),  # both scored since the last state: the run ends
        score(420, 4, 27),  # a new run, 10-0 from the mixed change
        score(480, 6, 27),
    ]
    found = rules.runs(TEAMS, states, True, LIMITS)
    assert [(c.key, c.details["points"], c.moment) for c in found] == [
        ("away@120", 12, states[3]),
        ("away@420", 10, states[6]),
    ]
    assert not any(c.active for c in found)  # DAL answered the last one
    ongoing = rules.runs(TEAMS, states[:5], True, LIMITS)
    assert [c.active for c in ongoing] == [True]
    assert ongoing[0].text == "Run: SAC on a 12-0 run, SAC 12 @ DAL 2, 8:00 left in Q1"


def test_a_run_of_nine_or_a_correction_raises_nothing() -> None:
    states = [Moment.at_elapsed(60, 0, 9), Moment.at_elapsed(120, 0, 7)]
    states.append(Moment.at_elapsed(180, 0, 12))  # 12 after a correction: 5 since
    assert rules.runs(TEAMS, states, True, LIMITS) == []


def test_a_big_swing_compares_with_two_minutes_earlier_and_cools_down_three() -> None:
    probabilities = {10: 0.50, 11: 0.60, 12: 0.76, 13: 0.40, 14: 0.20, 15: 0.45, 17: 0.80}
    readings = readings_of(probabilities, {12: (30, 20)})
    found = rules.big_swings(TEAMS, readings, [], LIMITS)
    # m12: 0.50 -> 0.76 (26 points); m13: 0.60 -> 0.40 is under 25; m14: 0.76 -> 0.20
    # is within 3 minutes of m12; m15: 0.40 -> 0.45 is small; m17: 0.45 -> 0.80, 5
    # minutes after m12, is a second swing.
    assert [c.key for c in found] == ["m12", "m17"]
    assert found[0].moment == Moment(1, 0.0, 720.0, 30, 20)
    assert found[0].text == (
        "Big swing: DAL win probability 50% → 76% in 2 minutes, SAC 20 @ DAL 30, end of Q1"
    )
    assert [c.key for c in rules.big_swings(TEAMS, readings, [15], LIMITS)] == []


def test_a_swing_in_overtime_is_told_with_the_score_its_probability_was_forecast_at() -> None:
    # An overtime minute's state mid-minute (no closed minute to take a score from):
    # the alert tells the forecast state's score and clock, never 0-0.
    readings = {
        49: rules.Reading(0.70, Moment.at_elapsed(2940.0, 110, 108)),
        51: rules.Reading(0.30, Moment.at_elapsed(3043.0, 112, 115)),
    }
    [swing] = rules.big_swings(TEAMS, readings, [], LIMITS)
    assert swing.moment == Moment(5, 137.0, 3043.0, 112, 115)
    assert "SAC 115 @ DAL 112, 2:17 left in OT" in swing.text


def test_an_upset_brews_when_the_favourite_drops_to_a_quarter_after_the_first() -> None:
    probabilities = {11: 0.20, 12: 0.30, 13: 0.74, 14: 0.80}  # home's probability
    readings = readings_of(probabilities, {14: (40, 30)})
    assert rules.upset(TEAMS, "home", readings, True, LIMITS) == []  # m11: too early
    # The away favourite: 26 % at m13 is not yet at most 25 %; 20 % at m14 is.
    found = rules.upset(TEAMS, "away", readings, True, LIMITS)
    assert [(c.key, c.details["minute"]) for c in found] == [("game", 14)]
    assert found[0].moment == Moment(2, 600.0, 840.0, 40, 30) and found[0].active
    later = readings_of({**probabilities, 15: 0.5}, {})
    assert not rules.upset(TEAMS, "away", later, True, LIMITS)[0].active


def test_a_forecast_miss_is_outside_the_ninety_percent_interval() -> None:
    inside = rules.Interval(3.0, -5, 11, 11)
    outside = rules.Interval(3.0, -5, 11, 12)
    half, final = Moment.at_elapsed(1440, 60, 48), Moment(4, 0.0, 2880, 120, 100)
    assert rules.forecast_misses(TEAMS, inside, inside, half, final) == []
    found = rules.forecast_misses(TEAMS, outside, rules.Interval(None, None, None, 20), half, final)
    assert [(c.key, c.details["actual"]) for c in found] == [("halftime", 12)]
    found = rules.forecast_misses(TEAMS, inside, rules.Interval(1.0, -12, 14, -13), half, final)
    assert [(c.key, c.moment) for c in found] == [("final", final)]
    assert found[0].text == (
        "Forecast miss: DAL final margin -13, outside the minute-18 90% interval [-12, +14]"
    )


def test_feed_trouble_after_sixty_seconds_of_failing_polls() -> None:
    since = dt.datetime(2025, 2, 10, 3, 0, 0, tzinfo=dt.UTC)
    assert rules.feed_trouble(None, since, LIMITS) == []
    assert rules.feed_trouble(since, since + dt.timedelta(seconds=59), LIMITS) == []
    found = rules.feed_trouble(since, since + dt.timedelta(seconds=60), LIMITS)
    assert [(c.key, c.active) for c in found] == [("2025-02-10T03:00:00Z", True)]


def test_feed_trouble_when_the_play_by_play_budget_stays_spent() -> None:
    since = dt.datetime(2025, 2, 10, 3, 0, 0, tzinfo=dt.UTC)
    later = since + dt.timedelta(seconds=59)
    assert rules.feed_trouble(None, later, LIMITS, (since, 4)) == []  # not yet a minute
    [found] = rules.feed_trouble(None, since + dt.timedelta(seconds=60), LIMITS, (since, 4))
    assert (found.key, found.active) == ("budget@2025-02-10T03:00:00Z", True)
    assert found.text.startswith("Feed trouble: play-by-play request budget spent since 03:00:00")
    assert "4 requests not made" in found.text
    both = rules.feed_trouble(since, since + dt.timedelta(seconds=60), LIMITS, (since, 4))
    assert [c.key for c in both] == ["2025-02-10T03:00:00Z", "budget@2025-02-10T03:00:00Z"]


def test_a_moment_at_a_period_end_belongs_to_that_period() -> None:
    assert Moment.at_elapsed(2880, 1, 1) == Moment(4, 0, 2880, 1, 1)
    assert Moment.at_elapsed(2940, 1, 1) == Moment(5, 240, 2940, 1, 1)
    assert rules.clock_words(Moment(5, 0, 3180, 0, 0)) == "end of OT"
    assert rules.clock_words(Moment(6, 60, 3420, 0, 0)) == "1:00 left in 2OT"
