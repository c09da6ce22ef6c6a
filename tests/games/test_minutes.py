from __future__ import annotations

import random

from games.minutes import MinuteValue, ScoreState, close_minutes, minute_series


def feed(states: list[ScoreState], sealed_at: tuple[float, ...] = ()) -> list[MinuteValue]:
    """Run states through the live, incremental path; states at ``sealed_at`` end a period."""
    closed: list[MinuteValue] = []
    previous: ScoreState | None = None
    for state in states:
        sealed = state.elapsed in sealed_at
        closed.extend(close_minutes(closed[-1].minute if closed else 0, previous, state, sealed))
        previous = state
    return closed


def test_a_minute_takes_the_last_state_at_or_before_its_boundary() -> None:
    closed = feed([ScoreState(30, 2, 0), ScoreState(59.9, 2, 3), ScoreState(60.5, 4, 3)])
    assert closed == [MinuteValue(1, 2, 3, imputed=False)]


def test_a_state_exactly_on_the_boundary_belongs_to_that_minute() -> None:
    closed = feed([ScoreState(50, 2, 0), ScoreState(60, 2, 2), ScoreState(75, 2, 2)])
    assert closed == [MinuteValue(1, 2, 2, imputed=False)]


def test_free_throws_on_a_clock_stopped_at_the_boundary_all_count() -> None:
    # 0022400762 at 2700.0 s: 109-108 twice, then the second free throw, 110-108.
    states = [
        ScoreState(2650, 107, 108),
        ScoreState(2700, 109, 108),
        ScoreState(2700, 109, 108),
        ScoreState(2700, 110, 108),
    ]
    assert max(m.minute for m in feed(states)) == 44  # minute 45 still open
    closed = feed([*states, ScoreState(2712, 110, 108)])
    assert closed[-1] == MinuteValue(45, 110, 108, imputed=False)


def test_the_end_of_a_period_seals_its_last_minute_at_once() -> None:
    assert feed([ScoreState(719, 20, 18), ScoreState(720, 20, 18)])[-1].minute == 11
    closed = feed([ScoreState(719, 20, 18), ScoreState(720, 21, 18)], sealed_at=(720,))
    assert closed[-1] == MinuteValue(12, 21, 18, imputed=False)


def test_it_closes_a_minute_only_once_a_later_state_is_seen() -> None:
    assert feed([ScoreState(10, 2, 0), ScoreState(59.99, 2, 0)]) == []


def test_it_closes_minute_12_at_the_end_of_the_first_quarter() -> None:
    states = [ScoreState(60 * m - 5, m, 0) for m in range(1, 13)] + [ScoreState(720, 30, 28)]
    closed = feed(states, sealed_at=(720,))
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
    states = [ScoreState(2870, 100, 100), ScoreState(2880, 100, 100), ScoreState(3180, 110, 108)]
    closed = feed(states, sealed_at=(2880, 3180))
    assert [m.minute for m in closed][-6:] == [48, 49, 50, 51, 52, 53]
    assert closed[-1] == MinuteValue(53, 110, 108, imputed=False)
    assert all(m.imputed for m in closed if 49 <= m.minute <= 52)


def test_a_state_from_the_past_closes_nothing() -> None:
    assert close_minutes(5, ScoreState(330, 10, 10), ScoreState(200, 8, 8)) == []


def test_the_live_path_equals_the_batch_definition_on_every_event() -> None:
    rng = random.Random(7)
    states, home, away, elapsed = [], 0, 0, 0.0
    while elapsed < 2880:
        elapsed = min(2880.0, round(elapsed + rng.choice((0, 0, 1, 20, 40)) * rng.random(), 0))
        if rng.random() < 0.5:
            home += rng.choice((1, 2, 3))
        else:
            away += rng.choice((1, 2, 3))
        states.append(ScoreState(elapsed, home, away))
    states.append(ScoreState(2880, home, away))  # the final buzzer seals the game
    assert [m.differential for m in feed(states, (2880,))] == minute_series(states, 2880)


def test_the_batch_form_takes_the_running_maximum_of_stale_rows() -> None:
    states = [
        ScoreState(10, 2, 0),
        ScoreState(20, 4, 0),
        ScoreState(20, 2, 0),
        ScoreState(70, 4, 3),
    ]
    assert minute_series(states, 120) == [4, 1]
