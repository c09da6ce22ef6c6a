"""games.playstate: the fold of play-by-play actions into game state.

Most tests use tiny synthetic action lists (labelled as such: made up to isolate one
rule); the last ones fold the committed real live payloads (tests/fixtures/live_pbp).
"""

from __future__ import annotations

from typing import Any

import pytest

from games.playstate import (
    AWAY,
    HOME,
    PlayAction,
    PlayState,
    action_from_archive,
    action_from_live,
    at_time,
    final_state,
    fold,
    sort_actions,
    step,
)
from support.live_pbp import GAMES, home_away, raw_actions

_number = iter(range(1, 100_000))


def act(kind: str, side: str | None, seconds_left: float, period: int = 1, **kw: Any) -> PlayAction:
    """A synthetic action (made up for one rule)."""
    return PlayAction(
        number=next(_number),
        period=period,
        seconds_left=seconds_left,
        kind=kind,
        side=side,  # type: ignore[arg-type]
        score_home=kw.pop("home", 0),
        score_away=kw.pop("away", 0),
        **kw,
    )


def run(*actions: PlayAction) -> PlayState:
    return final_state(actions)


# --- possession rules ----------------------------------------------------------------------


def test_a_made_shot_gives_the_ball_to_the_other_side() -> None:
    state = run(act("2pt", HOME, 700, made=True, home=2))
    assert state.possession == AWAY
    assert state.margin == 2


def test_a_miss_keeps_the_ball_until_the_rebound_decides() -> None:
    miss = act("3pt", HOME, 700)
    assert run(miss).possession == HOME
    assert run(miss, act("rebound", AWAY, 698, sub_type="defensive")).possession == AWAY
    assert run(miss, act("rebound", HOME, 698, sub_type="offensive")).possession == HOME


def test_turnovers_steals_and_offensive_fouls() -> None:
    assert run(act("turnover", HOME, 600)).possession == AWAY
    assert run(act("turnover", HOME, 600), act("steal", AWAY, 600)).possession == AWAY
    offensive = act("foul", HOME, 600, sub_type="offensive", descriptor="charge")
    assert run(offensive).possession == HOME  # its turnover row follows
    assert run(offensive, act("turnover", HOME, 600)).possession == AWAY


def test_a_defensive_foul_leaves_the_ball_with_the_fouled_side() -> None:
    state = run(act("2pt", HOME, 650), act("rebound", AWAY, 648), act("foul", HOME, 640))
    assert state.possession == AWAY


def test_an_attempt_proves_who_had_the_ball() -> None:
    """Rule 7: a held ball the archive does not show is repaired by the next attempt."""
    state = run(act("2pt", HOME, 700, made=True, home=2), act("3pt", HOME, 690))
    assert state.possession == HOME


def test_technical_fouls_and_technical_free_throws_change_nothing() -> None:
    before = run(act("rebound", HOME, 500))
    after = step(before, act("foul", AWAY, 500, sub_type="technical"))
    after = step(
        after, act("freethrow", HOME, 500, sub_type="1 of 1", descriptor="technical", made=True)
    )
    assert after.possession == HOME
    assert after.free_throws_pending == 0
    assert after.fouls_away == 0


def test_free_throws_pending_and_the_last_one() -> None:
    state = run(
        act("2pt", AWAY, 600),
        act("foul", HOME, 600, descriptor="shooting", qualifiers=("2freethrow",)),
    )
    assert (state.free_throws_pending, state.free_throw_side) == (2, AWAY)
    assert state.possession == AWAY
    # The forecast's encoding (training rows and live states alike): away is negative.
    assert (state.possession_sign, state.signed_free_throws_pending) == (-1, -2)
    assert PlayState().possession_sign is None and PlayState().signed_free_throws_pending == 0
    state = step(state, act("freethrow", AWAY, 600, sub_type="1 of 2", made=True, away=1))
    assert (state.free_throws_pending, state.free_throw_side) == (1, AWAY)
    made = step(state, act("freethrow", AWAY, 600, sub_type="2 of 2", made=True, away=2))
    assert (made.free_throws_pending, made.free_throw_side, made.possession) == (0, None, HOME)
    assert (made.possession_sign, made.signed_free_throws_pending) == (1, 0)
    missed = step(state, act("freethrow", AWAY, 600, sub_type="2 of 2", made=False, away=1))
    assert missed.possession == AWAY  # until the rebound


def test_after_flagrant_free_throws_the_shooting_side_keeps_the_ball() -> None:
    state = run(
        act("foul", HOME, 300, descriptor="flagrant-type-1", qualifiers=("2freethrow",)),
        act("freethrow", AWAY, 300, sub_type="1 of 2", descriptor="flagrant", made=True, away=1),
        act("freethrow", AWAY, 300, sub_type="2 of 2", descriptor="flagrant", made=True, away=2),
    )
    assert state.possession == AWAY


def test_an_and_one_gives_the_ball_away_after_its_free_throw() -> None:
    state = run(
        act("2pt", HOME, 400, made=True, home=2),
        act("foul", AWAY, 400, descriptor="shooting", qualifiers=("1freethrow",)),
    )
    assert (state.possession, state.free_throws_pending, state.free_throw_side) == (HOME, 1, HOME)
    state = step(state, act("freethrow", HOME, 400, sub_type="1 of 1", made=True, home=3))
    assert state.possession == AWAY


# --- team fouls and the bonus ----------------------------------------------------------------


def _fouls(side: str, count: int, seconds_left: float, period: int = 1) -> list[PlayAction]:
    return [act("foul", side, seconds_left - i, period) for i in range(count)]


def test_the_fifth_team_foul_of_a_quarter_gives_free_throws() -> None:
    assert not run(*_fouls(AWAY, 3, 600)).in_bonus(HOME)
    state = run(*_fouls(AWAY, 4, 600))
    assert state.fouls_away == 4 and state.in_bonus(HOME) and not state.in_bonus(AWAY)


def test_offensive_technical_and_double_fouls_are_not_team_fouls() -> None:
    state = run(
        act("foul", AWAY, 600, sub_type="offensive"),
        act("foul", AWAY, 590, sub_type="technical"),
        act("foul", AWAY, 580, sub_type="personal", descriptor="double"),
    )
    assert state.fouls_away == 0


def test_in_the_last_two_minutes_the_second_foul_is_penalised() -> None:
    state = run(*_fouls(AWAY, 1, 300))
    assert not state.in_bonus(HOME)
    state = step(state, act("foul", AWAY, 100))
    assert state.in_bonus(HOME)  # one foul in the last 2:00 already: the next one shoots


def test_fouls_reset_each_period_and_overtime_allows_three() -> None:
    state = run(*_fouls(AWAY, 4, 600))
    state = step(state, act("substitution", HOME, 720, period=2))
    assert state.fouls_away == 0 and not state.in_bonus(HOME)
    overtime = run(*_fouls(AWAY, 3, 250, period=5))
    assert overtime.in_bonus(HOME)
    assert not run(*_fouls(AWAY, 3, 600, period=4)).in_bonus(HOME)


def test_the_bonus_agrees_with_the_feeds_inpenalty_qualifier() -> None:
    """Real games: a common foul is marked 'inpenalty' exactly when the fold says the
    fouled side was in the bonus before it (double fouls are not team fouls)."""
    checked = 0
    for game_id in GAMES:
        actions = _live(game_id)
        state = PlayState()
        for action in actions:
            if action.kind == "foul" and action.team_foul and action.side is not None:
                fouled = AWAY if action.side == HOME else HOME
                before = state if state.period == action.period else PlayState(period=action.period)
                assert before.in_bonus(fouled) == ("inpenalty" in action.qualifiers), action
                checked += 1
            state = step(state, action)
    assert checked >= 90


# --- periods, timeouts, the clock ------------------------------------------------------------


def test_the_possession_arrow_at_period_starts() -> None:
    """Rule 9: Q2 and Q3 go to the side without the first possession, Q4 to it."""
    state = run(act("2pt", AWAY, 700, made=True, away=2))
    assert state.first_possession == AWAY
    assert at_time(state, 2, 720).possession == HOME
    assert at_time(state, 3, 720).possession == HOME
    assert at_time(state, 4, 720).possession == AWAY
    assert at_time(state, 5, 300).possession is None  # overtime: a jump ball


def test_timeouts_left() -> None:
    state = run(*[act("timeout", HOME, 700 - i) for i in range(2)])
    assert (state.timeouts_home, state.timeouts_away) == (5, 7)
    assert at_time(state, 4, 720).timeouts_home == 4  # at most 4 in the 4th
    assert at_time(state, 4, 170).timeouts_away == 2  # at most 2 after its 3:00 mark
    assert at_time(state, 5, 300).timeouts_home == 2  # 2 per overtime


def test_at_time_refuses_to_go_back() -> None:
    state = run(act("2pt", HOME, 300, period=2))
    with pytest.raises(ValueError):
        at_time(state, 1, 100)


def test_scores_are_a_running_maximum() -> None:
    """Rows at one clock sometimes carry a stale score (shared/data/SOURCES.md)."""
    state = run(act("2pt", HOME, 700, made=True, home=2), act("substitution", AWAY, 700))
    assert state.score_home == 2


def test_order_puts_the_end_of_a_period_before_the_next_one() -> None:
    late = act("2pt", HOME, 0.0, period=1, made=True, home=2)
    start = act("substitution", HOME, 720, period=2)
    assert sort_actions([start, late]) == [late, start]


# --- normalisers -----------------------------------------------------------------------------


def test_archive_rows_are_read_from_their_description_and_qualifier() -> None:
    row = {
        "actionNumber": 39,
        "period": 1,
        "clock": "PT08M27.00S",
        "actionType": "freethrow",
        "description": "MISS D. Exum Free Throw 2 of 2",
        "qualifier": "[]",
        "scoreHome": 7,
        "scoreAway": 7,
        "shotResult": "Missed",
        "team": "DAL",
    }
    action = action_from_archive(row, "PHI", "DAL")
    assert (action.side, action.sub_type, action.made, action.free_throw) == (
        AWAY,
        "2 of 2",
        False,
        (2, 2),
    )
    foul = action_from_archive(
        row
        | {
            "actionType": "foul",
            "description": "J. Edwards shooting personal FOUL (1 PF) (Exum 2 FT)",
            "qualifier": "['inpenalty', '2freethrow']",
            "team": "PHI",
        },
        "PHI",
        "DAL",
    )
    assert (foul.side, foul.sub_type, foul.descriptor) == (HOME, "personal", "shooting")
    assert foul.shots_awarded == 2 and foul.team_foul
    technical = action_from_archive(
        row | {"description": "L. Doncic technical Free Throw 1 of 1 (3 PTS)"}, "PHI", "DAL"
    )
    assert technical.technical_free_throw
    charge = action_from_archive(
        row | {"actionType": "foul", "description": "K. Irving charge offensive FOUL (1 PF)"},
        "PHI",
        "DAL",
    )
    assert (charge.sub_type, charge.team_foul) == ("offensive", False)


# --- real live payloads ----------------------------------------------------------------------


def _live(game_id: str) -> list[PlayAction]:
    raw = raw_actions(game_id)
    (home_id, _), (away_id, _) = home_away(raw)
    return sort_actions(a for a in (action_from_live(r, home_id, away_id) for r in raw) if a)


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_live_games_fold_to_their_final_score(game_id: str) -> None:
    raw = raw_actions(game_id)
    state = final_state(_live(game_id))
    assert (state.score_home, state.score_away) == (
        max(int(a["scoreHome"]) for a in raw),
        max(int(a["scoreAway"]) for a in raw),
    )
    assert state.period == max(int(a["period"]) for a in raw)


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_inferred_possession_agrees_with_the_feed_between_instants(game_id: str) -> None:
    """The fold never reads the feed's ``possession``; between clock instants it agrees
    with it (the feed's field on the next action, rebounds and jump balls aside)."""
    actions = _live(game_id)
    states = list(fold(actions))
    agree = compared = 0
    for k in range(len(actions) - 1):
        nxt = actions[k + 1]
        if nxt.elapsed == actions[k].elapsed or nxt.possession is None:
            continue
        if nxt.kind in ("rebound", "jumpball", "period", "game"):
            continue
        compared += 1
        agree += states[k].possession == nxt.possession
    assert compared > 150
    assert agree / compared >= 0.99
