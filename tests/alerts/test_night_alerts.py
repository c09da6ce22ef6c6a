"""The recorded night raises exactly the alerts a second, plain reading of its data finds.

The expected clutch, run and forecast-miss alerts are computed here from the night's
minute table (the score at the end of every game minute, which is what the replay's
polls show: 60 game seconds a poll), its games and its stored minute-18 predictions,
with none of ``alerts.rules``; the app's Alert rows must be exactly those. The anchor
is written out by hand from SAC @ DAL's real score line (2025-02-10, 129-128 SAC in
overtime, ``data/replay_night.json``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from support.client import ClientState
from support.night import RecordedNight

whole_night = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SAC_AT_DAL = "0022400762"


def period_and_seconds_left(minute: int) -> tuple[int, int]:
    """Where the end of game minute ``minute`` falls: (period, seconds left in it)."""
    if minute <= 48:
        period = (minute + 11) // 12
        return period, 720 * period - 60 * minute
    overtime = (minute - 49) // 5 + 1
    return 4 + overtime, 48 * 60 + 300 * overtime - 60 * minute


def minutes_by_game(night: RecordedNight) -> dict[str, list[dict[str, Any]]]:
    games: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(night.rows["minute"], key=lambda r: (r["game_id"], r["minute"])):
        games.setdefault(row["game_id"], []).append(row)
    return games


def expected_clutch(night: RecordedNight) -> set[tuple[str, str, str]]:
    """Any minute end in the last 5:00 of the 4th or an OT with a margin of 5 or less."""
    found = set()
    for game_id, rows in minutes_by_game(night).items():
        for row in rows:
            period, left = period_and_seconds_left(row["minute"])
            if period >= 4 and left <= 300 and abs(row["home_score"] - row["away_score"]) <= 5:
                found.add((game_id, "clutch", f"P{period}"))
    return found


def expected_runs(night: RecordedNight) -> set[tuple[str, str, str]]:
    """10+ unanswered points between minute ends: walk the minutes, remember who scored
    alone since when, and reset when both scored in one minute."""
    found = set()
    for game_id, rows in minutes_by_game(night).items():
        last = (0, 0)
        runner, since_minute, runner_base = None, 0, 0
        for row in rows:
            now = (row["home_score"], row["away_score"])
            scored = [now[0] > last[0], now[1] > last[1]]
            if all(scored):
                runner = None
            elif any(scored):
                side = 0 if scored[0] else 1
                if runner != side:
                    runner, since_minute, runner_base = side, row["minute"], last[side]
                if now[side] - runner_base >= 10:
                    name = "home" if side == 0 else "away"
                    found.add((game_id, "run", f"{name}@{60 * since_minute}"))
            last = now
    return found


def expected_forecast_misses(night: RecordedNight) -> set[tuple[str, str, str]]:
    """The minute-24 differential and the final margin against the stored 90 % bounds."""
    halftime = {
        r["game_id"]: r["home_score"] - r["away_score"]
        for r in night.rows["minute"]
        if r["minute"] == 24
    }
    final = {g["game_id"]: g["home_score"] - g["away_score"] for g in night.rows["game"]}
    found = set()
    for p in night.rows["prediction"]:
        game_id = p["game_id"]
        if not p["halftime_lo90"] <= halftime[game_id] <= p["halftime_hi90"]:
            found.add((game_id, "forecast_miss", "halftime"))
        if p["final_lo90"] is not None and not p["final_lo90"] <= final[game_id] <= p["final_hi90"]:
            found.add((game_id, "forecast_miss", "final"))
    return found


def raised(night: RecordedNight, rule: str) -> set[tuple[str, str, str]]:
    return {(a["game_id"], a["rule"], a["key"]) for a in night.rows["alert"] if a["rule"] == rule}


@whole_night[0]
@whole_night[1]
def test_the_night_raises_exactly_the_clutch_run_and_forecast_miss_alerts_of_its_data(
    night: RecordedNight,
) -> None:
    games = {g["game_id"] for g in night.rows["game"]}
    assert len(games) == 10 and len(night.rows["prediction"]) == 10
    for rule, expected in (
        ("clutch", expected_clutch(night)),
        ("run", expected_runs(night)),
        ("forecast_miss", expected_forecast_misses(night)),
    ):
        assert expected, rule  # the night has some of each: the comparison can fail
        assert raised(night, rule) == expected, rule
    keys = [(a["game_id"], a["rule"], a["key"]) for a in night.rows["alert"]]
    assert len(keys) == len(set(keys))
    # Every staff socket, applying its snapshots and alert messages by the alert
    # sequence (support/client.py), ends with every alert at its last version, gap-free.
    for name, frames in night.frames.items():
        state = ClientState()
        assert all(state.apply(frame) != "gap" for frame in frames), name
        assert {i: a["seq"] for i, a in state.alerts.items()} == {
            a["id"]: a["seq"] for a in night.rows["alert"]
        }, name
        assert not any(a["active"] for a in state.alerts.values()), name
    counts = Counter(a["rule"] for a in night.rows["alert"])
    print(
        f"\nthe recorded night raised {sum(counts.values())} alerts: {dict(sorted(counts.items()))}"
    )
    for a in night.rows["alert"]:
        print(f"  #{a['id']} {a['game_id']} {a['rule']} {a['key']}: {a['text']}")


@whole_night[0]
@whole_night[1]
def test_sac_at_dal_is_clutch_in_the_fourth_and_in_overtime_as_its_score_line_says(
    night: RecordedNight,
) -> None:
    # DAL-SAC at the end of minutes 42..53: 103-100 (5:01+ left: not yet), 105-104 at
    # 5:00 left in Q4 (margin 1: clutch), 107-106, 110-108, 112-110, 114-114, 116-116
    # at the end of Q4; overtime, first polled at 4:00 left: 118-118 (clutch), 118-120,
    # 121-120, 123-123, 128-129 final.
    clutch = sorted(
        (a["key"], a["period"], a["clock_seconds"], a["home_score"], a["away_score"])
        for a in night.rows["alert"]
        if a["game_id"] == SAC_AT_DAL and a["rule"] == "clutch"
    )
    assert clutch == [("P4", 4, 300.0, 105, 104), ("P5", 5, 240.0, 118, 118)]
    [game] = [g for g in night.rows["game"] if g["game_id"] == SAC_AT_DAL]
    assert (game["away_tricode"], game["away_score"], game["home_score"]) == ("SAC", 129, 128)
    [p4] = [a for a in night.rows["alert"] if a["game_id"] == SAC_AT_DAL and a["key"] == "P4"]
    assert p4["text"] == "Clutch time: SAC 104 @ DAL 105, 5:00 left in Q4"
    assert not any(a["active"] for a in night.rows["alert"])  # every game is final


@whole_night[0]
@whole_night[1]
def test_every_alert_tells_the_score_the_game_had_at_its_moment(night: RecordedNight) -> None:
    # The replay's polls show the score at game-minute ends, so an alert's moment is one
    # and its score is that minute's in the night's minute table; a big swing or an
    # upset once read "ATL 0 @ ORL 0" with 5:00 left in the fourth (a score fallback).
    score_at = {
        (r["game_id"], r["minute"]): (r["home_score"], r["away_score"])
        for r in night.rows["minute"]
    }
    teams = {g["game_id"]: (g["home_tricode"], g["away_tricode"]) for g in night.rows["game"]}
    checked: Counter[str] = Counter()
    for a in night.rows["alert"]:
        period_start = (
            720 * (a["period"] - 1) if a["period"] <= 4 else 2880 + 300 * (a["period"] - 5)
        )
        length = 720 if a["period"] <= 4 else 300
        elapsed = period_start + length - a["clock_seconds"]
        minute = round(elapsed / 60)
        assert elapsed == 60 * minute, a
        assert (a["home_score"], a["away_score"]) == score_at[(a["game_id"], minute)], a
        home, away = teams[a["game_id"]]
        if a["rule"] != "forecast_miss":  # its text tells the differential, not the score
            assert f"{away} {a['away_score']} @ {home} {a['home_score']}" in a["text"], a
        checked[a["rule"]] += 1
    assert checked["big_swing"] and checked["upset"] and checked["clutch"], checked
