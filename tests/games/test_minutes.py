from __future__ import annotations

import random

from games.minutes import MinuteValue, ScoreState, close_minutes, minute_series


def feed(states: list[ScoreState]) -> list[MinuteValue]:
    """Run states through the live, incremental path."""
    closed: list[MinuteValue] = []
    previous: ScoreState | None = None
    for state in states:
        new = close_minutes(closed[-1].minute if closed else 0, previous, state)
        closed.extend(new)
        previous = state
    return closed


def test_a_minute_takes_the_last_state_at_or_before_its_boundary() -> None:
    closed = feed([ScoreState(30, 2, 0), ScoreState(59.9, 2, 3), ScoreState(60.5, 4, 3)])
    assert closed == [MinuteValue(1, 2, 3, imputed=False)]


def test_a_state_exactly_on_the_boundary_belongs_to_that_minute() -> None:
    closed = feed([ScoreState(50, 2, 0), ScoreState(60, 2, 2)])
    assert closed == [MinuteValue(1, 2, 2, imputed=False)]


def test_it_closes_a_minute_only_once_a_later_state_is_seen() -> None:
    assert feed([ScoreState(10, 2, 0), ScoreState(59.99, 2, 0)]) == []


def test_it_closes_minute_12_at_the_end_of_the_first_quarter() -> None:
    states = [ScoreState(60 * m - 5, m, 0) for m in range(1, 13)] + [ScoreState(720, 30, 28)]
    closed = feed(states)
    assert [m.minute for m in closed] == list(range(1, 13))
    assert closed[-1] == MinuteValue(12, 30, 28, imputed=False)


def test_minutes_the_poller_missed_are_filled_from_the_last_state_and_flagged() -> None:
    closed = feed([ScoreState(100, 5, 3), ScoreState(330, 12, 9)])
    assert closed == [
        MinuteValue(1, 0, 0, imputed=True),  # nothing observed in (0, 60]
        MinuteValue(2, 5, 3, imputed=False),
        MinuteValue(3, 5, 3, imputed=True),
        MinuteValue(4, 5, 3, imputed=True),
        MinuteValue(5, 5, 3, imputed=True),
    ]


def test_overtime_minutes_run_from_49_to_53() -> None:
    closed = feed(
        [ScoreState(2870, 100, 100), ScoreState(2880, 100, 100), ScoreState(3180, 110, 108)]
    )
    assert [m.minute for m in closed][-6:] == [48, 49, 50, 51, 52, 53]
    assert closed[-1] == MinuteValue(53, 110, 108, imputed=False)
    assert all(m.imputed for m in closed if 49 <= m.minute <= 52)


def test_a_state_from_the_past_closes_nothing() -> None:
    assert close_minutes(5, ScoreState(330, 10, 10), ScoreState(200, 8, 8)) == []


def test_the_live_path_equals_the_batch_definition_on_every_event() -> None:
    rng = random.Random(7)
    states, home, away, elapsed = [], 0, 0, 0.0
    while elapsed < 2880:
        elapsed = min(2880.0, round(elapsed + rng.uniform(1, 40), 1))
        if rng.random() < 0.5:
            home += rng.choice((1, 2, 3))
        else:
            away += rng.choice((1, 2, 3))
        states.append(ScoreState(elapsed, home, away))
    assert [m.differential for m in feed(states)] == minute_series(states, 2880)


def test_the_batch_form_takes_the_running_maximum_of_stale_rows() -> None:
    states = [
        ScoreState(10, 2, 0),
        ScoreState(20, 4, 0),
        ScoreState(20, 2, 0),
        ScoreState(70, 4, 3),
    ]
    assert minute_series(states, 120) == [4, 1]
