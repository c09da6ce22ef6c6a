"""Play-by-play and box-score storage on NBA.com's real recorded live payloads
(tests/fixtures/live_pbp: three final games' PlayByPlay and BoxScore). The recorded games
are all finished, so edits, removals and renumbering are SYNTHESISED from the real
payloads here (labelled in each test): a real action with a changed field, a real action
dropped from the list, real actions with swapped order numbers."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import gzip
import json
from typing import Any

import pytest

from games.feed.parser import PayloadError
from games.feed.playbyplay import parse_boxscore, parse_playbyplay
from games.models import Game, Play, PlayerBoxLine, TeamBoxLine
from games.play_services import ingest_boxscore, ingest_plays
from games.plays import flow_of, game_flow, last_plays
from support.live_pbp import GAMES, LIVE_PBP

GAME = "0022400762"  # SAC 129 @ DAL 128, 1 OT


def recorded(game_id: str, kind: str) -> dict[str, Any]:
    with gzip.open(LIVE_PBP / f"{game_id}_{kind}.json.gz", "rt") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def make_game(game_id: str) -> Game:
    box = recorded(game_id, "boxscore")["game"]
    home, away = box["homeTeam"], box["awayTeam"]
    return Game.objects.create(
        game_id=game_id,
        game_date=GAMES[game_id],
        home_team_id=home["teamId"],
        home_tricode=home["teamTricode"],
        home_city=home["teamCity"],
        home_name=home["teamName"],
        away_team_id=away["teamId"],
        away_tricode=away["teamTricode"],
        away_city=away["teamCity"],
        away_name=away["teamName"],
    )


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_the_parser_reads_every_real_action_in_order(game_id: str) -> None:
    payload = recorded(game_id, "playbyplay")
    actions = payload["game"]["actions"]
    parsed_id, rows = parse_playbyplay(payload)

    assert parsed_id == game_id
    assert len(rows) == len({a["actionNumber"] for a in actions})
    orders = [r.order_number for r in rows]
    assert orders == sorted(orders)
    box = recorded(game_id, "boxscore")["game"]
    last = rows[-1]
    assert (last.action_type, last.sub_type) == ("game", "end")
    assert (last.score_home, last.score_away) == (
        box["homeTeam"]["score"],
        box["awayTeam"]["score"],
    )
    teams = {box["homeTeam"]["teamId"], box["awayTeam"]["teamId"]}
    assert {r.possession for r in rows} - {None} == teams
    assert all(r.time_actual is not None and r.time_actual.tzinfo for r in rows)
    made = sum(1 for r in rows if r.shot_result == "Made" and r.action_type == "3pt")
    assert (
        made
        == box["homeTeam"]["statistics"]["threePointersMade"]
        + box["awayTeam"]["statistics"]["threePointersMade"]
    )


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_the_parser_reads_the_real_box_score(game_id: str) -> None:
    payload = recorded(game_id, "boxscore")
    box = parse_boxscore(payload)

    assert box.game_id == game_id and box.status == 3
    for team, raw in zip(
        box.teams, (payload["game"]["homeTeam"], payload["game"]["awayTeam"]), strict=True
    ):
        assert team.score == raw["score"] == team.stats.points
        assert sum(team.periods) == team.score
        assert sum(p.stats.points for p in team.players) == team.score
        assert sum(p.stats.fg_made for p in team.players) == team.stats.fg_made
        assert len([p for p in team.players if p.starter]) == 5
        assert team.stats.seconds == 60 * (240 + 25 * (box.period - 4))
    home, away = box.teams
    assert home.stats.plus_minus == -away.stats.plus_minus == home.score - away.score
    klay = (
        next(p for p in box.teams[0].players if p.name == "Klay Thompson")
        if game_id == GAME
        else None
    )
    if klay is not None:  # PT26M27.96S, 19 points, 5 of 10 from three, -14
        assert (
            klay.stats.seconds,
            klay.stats.points,
            klay.stats.fg3_made,
            klay.stats.plus_minus,
        ) == (
            1587.96,
            19,
            5,
            -14,
        )


@pytest.mark.parametrize(
    "payload",
    ["<html>Access Denied</html>", {"meta": {}}, {"game": {"gameId": GAME}}, None],
)
def test_a_payload_that_is_not_play_by_play_is_refused(payload: Any) -> None:
    with pytest.raises(PayloadError):
        parse_playbyplay(payload)
    with pytest.raises(PayloadError):
        parse_boxscore(payload)


@pytest.mark.django_db
def test_ingesting_the_same_plays_twice_changes_nothing() -> None:
    make_game(GAME)
    _, rows = parse_playbyplay(recorded(GAME, "playbyplay"))

    first = ingest_plays(GAME, rows)
    again = ingest_plays(GAME, rows)

    assert len(first.new) == len(rows) == Play.objects.filter(game_id=GAME).count()
    assert not again.changed
    assert ingest_plays(GAME, []).changed is False  # an empty answer withdraws nothing
    assert Play.objects.filter(game_id=GAME, removed=False).count() == len(rows)


@pytest.mark.django_db
def test_a_poll_stores_only_the_new_plays() -> None:
    make_game(GAME)
    _, rows = parse_playbyplay(recorded(GAME, "playbyplay"))
    ingest_plays(GAME, rows[:100])

    changes = ingest_plays(GAME, rows[:130])

    assert [p.action_number for p in changes.new] == [r.action_number for r in rows[100:130]]
    assert changes.edited == changes.removed == []


@pytest.mark.django_db
def test_an_edited_action_updates_its_row() -> None:
    """SYNTHESISED edit of a real payload: a made three turned into a made two (score
    and description change, NBA's ``edited`` stamp moves), as the scorer's table does."""
    make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    ingest_plays(GAME, parse_playbyplay(payload)[1])
    edited = copy.deepcopy(payload)
    action = next(
        a
        for a in edited["game"]["actions"]
        if a["actionType"] == "3pt" and a["shotResult"] == "Made"
    )
    action["actionType"], action["description"] = "2pt", action["description"].replace("3PT", "")
    action["edited"] = "2025-02-11T05:00:00Z"

    changes = ingest_plays(GAME, parse_playbyplay(edited)[1])

    assert [p.action_number for p in changes.edited] == [action["actionNumber"]]
    assert changes.new == changes.removed == []
    row = Play.objects.get(game_id=GAME, action_number=action["actionNumber"])
    assert (row.action_type, row.points, row.removed) == ("2pt", 2, False)
    assert row.edited is not None and row.edited.hour == 5


@pytest.mark.django_db
def test_a_vanished_action_is_marked_removed_and_restored_if_it_returns() -> None:
    """SYNTHESISED removal from a real payload: one real action dropped from the list."""
    make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    _, rows = parse_playbyplay(payload)
    ingest_plays(GAME, rows)
    dropped = rows[200]

    changes = ingest_plays(GAME, [r for r in rows if r is not dropped])

    assert [p.action_number for p in changes.removed] == [dropped.action_number]
    assert Play.objects.filter(game_id=GAME).count() == len(rows)  # kept, never lost
    assert Play.objects.get(game_id=GAME, action_number=dropped.action_number).removed
    assert Play.objects.filter(game_id=GAME).present().count() == len(rows) - 1

    back = ingest_plays(GAME, rows)
    assert [p.action_number for p in back.edited] == [dropped.action_number]
    assert not Play.objects.get(game_id=GAME, action_number=dropped.action_number).removed


@pytest.mark.django_db
def test_renumbered_actions_are_reordered() -> None:
    """SYNTHESISED renumbering of a real payload: two neighbouring actions swap their
    orderNumber (NBA inserts a late-entered action before an earlier-entered one)."""
    make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    ingest_plays(GAME, parse_playbyplay(payload)[1])
    swapped = copy.deepcopy(payload)
    first, second = swapped["game"]["actions"][50], swapped["game"]["actions"][51]
    first["orderNumber"], second["orderNumber"] = second["orderNumber"], first["orderNumber"]

    changes = ingest_plays(GAME, parse_playbyplay(swapped)[1])

    assert sorted(p.action_number for p in changes.edited) == sorted(
        [first["actionNumber"], second["actionNumber"]]
    )
    assert [p.order_number for p in changes.pushed()] == sorted(
        p.order_number for p in changes.edited
    )
    numbers = list(
        Play.objects.filter(game_id=GAME).present().values_list("action_number", flat=True)
    )
    assert numbers.index(second["actionNumber"]) < numbers.index(first["actionNumber"])


@pytest.mark.parametrize("game_id", sorted(GAMES))
def test_game_flow_from_the_plays_matches_the_real_box_score(game_id: str) -> None:
    _, rows = parse_playbyplay(recorded(game_id, "playbyplay"))
    box = recorded(game_id, "boxscore")["game"]
    home, away = box["homeTeam"], box["awayTeam"]

    flow = game_flow(rows)

    assert flow.line_score["home"] == [p["score"] for p in home["periods"]]
    assert flow.line_score["away"] == [p["score"] for p in away["periods"]]
    assert flow.lead_changes == home["statistics"]["leadChanges"]
    assert flow.times_tied == home["statistics"]["timesTied"]
    assert flow.largest_lead == {
        "home": home["statistics"]["biggestLead"],
        "away": away["statistics"]["biggestLead"],
    }


def test_the_current_run_counts_unanswered_points() -> None:
    """The last plays of the real SAC @ DAL game: who scored last, and how much in a row."""
    _, rows = parse_playbyplay(recorded(GAME, "playbyplay"))
    scoring = [r for r in rows if r.shot_result == "Made"]
    flow = game_flow(rows)
    last = scoring[-1]
    side = (
        "home"
        if last.team_id == recorded(GAME, "boxscore")["game"]["homeTeam"]["teamId"]
        else "away"
    )
    assert flow.run is not None and flow.run.side == side
    # Recount the run by hand: points of ``side`` since the other side last scored.
    home = away = 0
    streak = 0
    for r in rows:
        gained_home, gained_away = max(r.score_home - home, 0), max(r.score_away - away, 0)
        home, away = max(home, r.score_home), max(away, r.score_away)
        mine, theirs = (gained_home, gained_away) if side == "home" else (gained_away, gained_home)
        streak = 0 if theirs else streak + mine
    assert flow.run.points == streak > 0


@pytest.mark.django_db
def test_flow_of_a_stored_game_leaves_removed_plays_out() -> None:
    make_game(GAME)
    _, rows = parse_playbyplay(recorded(GAME, "playbyplay"))
    ingest_plays(GAME, rows)
    assert flow_of(GAME).as_dict() == game_flow(rows).as_dict()
    assert [p.action_number for p in last_plays(GAME, 3)] == [r.action_number for r in rows[-3:]]


@pytest.mark.django_db
def test_box_score_lines_are_upserted_on_change_only() -> None:
    make_game(GAME)
    payload = recorded(GAME, "boxscore")
    box = parse_boxscore(payload)

    first = ingest_boxscore(GAME, box)
    again = ingest_boxscore(GAME, box)

    players = sum(len(t.players) for t in box.teams)
    assert (len(first.teams), len(first.players)) == (2, players)
    assert not again.changed
    assert PlayerBoxLine.objects.filter(game_id=GAME).count() == players
    dal = TeamBoxLine.objects.get(game_id=GAME, side="home")
    assert (dal.tricode, dal.points, dal.plus_minus) == ("DAL", 128, -1)

    changed = copy.deepcopy(payload)
    changed["game"]["homeTeam"]["players"][0]["statistics"]["assists"] += 1  # SYNTHESISED
    later = ingest_boxscore(GAME, parse_boxscore(changed))
    assert [p.name for p in later.players] == ["Klay Thompson"] and later.teams == []
    klay = PlayerBoxLine.objects.get(game_id=GAME, name="Klay Thompson")
    assert (klay.assists, klay.minutes, klay.starter) == (2, "26:27", True)


def test_actions_out_of_order_in_the_payload_are_put_in_order_number_order() -> None:
    """SYNTHESISED disorder of a real payload: the same actions, reversed."""
    payload = recorded(GAME, "playbyplay")
    shuffled = copy.deepcopy(payload)
    shuffled["game"]["actions"].reverse()
    assert parse_playbyplay(shuffled)[1] == parse_playbyplay(payload)[1]


# --- the game state the plays give at a scoreboard moment (the live forecast's input) ---


def live_fold(game: Game, payload: dict[str, Any], until: float) -> Any:
    """games.playstate's fold straight over the recorded feed's actions up to ``until``
    game seconds (what the stored plays must reproduce)."""
    from games.playstate import action_from_live, final_state, sort_actions

    actions = [
        a
        for a in (
            action_from_live(raw, game.home_team_id, game.away_team_id)
            for raw in payload["game"]["actions"]
        )
        if a is not None and a.elapsed <= until
    ]
    return final_state(sort_actions(actions))


@pytest.mark.django_db
def test_the_plays_give_the_fold_of_the_recorded_feed_at_a_moment_they_have_caught_up_with() -> (
    None
):
    from games.plays import plays_at
    from games.playstate import HOME

    game = make_game(GAME)
    payload = recorded(GAME, "playbyplay")
    ingest_plays(GAME, parse_playbyplay(payload)[1])
    plays = list(Play.objects.filter(game_id=GAME).present())
    checked = known_possession = 0
    for play in plays[50::37]:  # moments across the game, overtime included
        if play.clock_seconds is None or play.action_type in ("period", "game"):
            continue
        at = plays_at(
            GAME,
            game.home_team_id,
            game.away_team_id,
            play.period,
            play.clock_seconds,
            (play.score_home, play.score_away),
        )
        later = [p for p in plays if p.elapsed_seconds == play.elapsed_seconds and p.pk != play.pk]
        if at is None:
            # Only when another row at the same instant carries a different score.
            assert any(
                (p.score_home, p.score_away) != (play.score_home, play.score_away) for p in later
            )
            continue
        expected = live_fold(game, payload, play.elapsed_seconds)
        assert at.state.possession == expected.possession
        assert (at.state.fouls_home, at.state.fouls_away) == (
            expected.fouls_home,
            expected.fouls_away,
        )
        assert at.state.in_bonus(HOME) == expected.in_bonus(HOME)
        assert (at.state.timeouts_home, at.state.timeouts_away) == (
            expected.timeouts_home,
            expected.timeouts_away,
        )
        checked += 1
        known_possession += at.state.possession is not None
    assert checked >= 10 and known_possession >= checked - 1


@pytest.mark.django_db
def test_plays_that_lag_the_scoreboard_or_miss_a_shot_clock_give_nothing() -> None:
    from games.plays import SHOT_CLOCK_SECONDS, plays_at

    game = make_game(GAME)
    ingest_plays(GAME, parse_playbyplay(recorded(GAME, "playbyplay"))[1])
    play = Play.objects.filter(game_id=GAME, period=2, shot_result="Made").present().last()
    assert play is not None and play.clock_seconds is not None
    teams = (game.home_team_id, game.away_team_id)
    score = (play.score_home, play.score_away)
    # The scoreboard already shows a basket the plays do not have yet: unknown.
    ahead = (play.score_home + 2, play.score_away)
    assert plays_at(GAME, *teams, play.period, play.clock_seconds, ahead) is None
    # No play in the last shot clock of running time: plays are missing, unknown.
    next_play = (
        Play.objects.filter(game_id=GAME, elapsed_seconds__gt=play.elapsed_seconds)
        .present()
        .exclude(clock_seconds=None)
        .first()
    )
    assert next_play is not None
    gap = next_play.elapsed_seconds - play.elapsed_seconds
    if gap > SHOT_CLOCK_SECONDS + 1:
        later = play.clock_seconds - (SHOT_CLOCK_SECONDS + 1)
        assert plays_at(GAME, *teams, play.period, later, score) is None
    # At the play itself the state is known.
    assert plays_at(GAME, *teams, play.period, play.clock_seconds, score) is not None


def plays_up_to(action_number: int) -> list[Any]:
    """The recorded game's parsed rows up to and including one action (game order): the
    plays as a poll saw them at that moment."""
    rows = parse_playbyplay(recorded(GAME, "playbyplay"))[1]
    end = next(k for k, row in enumerate(rows) if row.action_number == action_number)
    return rows[: end + 1]


@pytest.mark.django_db
def test_free_throws_after_a_shooting_foul_are_unknown_until_they_are_shot() -> None:
    from games.plays import plays_at

    game = make_game(GAME)
    teams = (game.home_team_id, game.away_team_id)
    raw = recorded(GAME, "playbyplay")["game"]["actions"]
    shooting = next(
        a for a in raw if a["actionType"] == "foul" and a.get("descriptor") == "shooting"
    )
    common = next(
        a
        for a in raw
        if a["actionType"] == "foul"
        and a.get("subType") == "personal"
        and not a.get("descriptor")
        and not a.get("qualifiers")
    )
    for action, known in ((shooting, False), (common, True)):
        Play.objects.filter(game_id=GAME).delete()
        ingest_plays(GAME, plays_up_to(action["actionNumber"]))  # the foul is the last play
        foul = Play.objects.get(game_id=GAME, action_number=action["actionNumber"])
        at = plays_at(
            GAME,
            *teams,
            foul.period,
            foul.clock_seconds or 0.0,
            (foul.score_home, foul.score_away),
        )
        assert at is not None and at.free_throws_known is known, action
        assert at.state.free_throws_pending == 0  # the fold's own count: none shot yet
    # With the trip's free throws in, the state is known again and nothing is pending.
    ingest_plays(GAME, parse_playbyplay(recorded(GAME, "playbyplay"))[1])
    after = (
        Play.objects.filter(game_id=GAME, action_type="freethrow", sub_type__startswith="2 of 2")
        .present()
        .first()
    )
    assert after is not None
    done = plays_at(
        GAME, *teams, after.period, after.clock_seconds or 0.0, (after.score_home, after.score_away)
    )
    assert done is not None and done.free_throws_known
    assert done.state.free_throws_pending == 0


@pytest.mark.django_db
def test_the_kept_fold_follows_new_edited_and_removed_plays_as_a_fresh_one_would() -> None:
    """Each process keeps a game's folded plays: new actions are folded on, an edit or a
    removal (SYNTHESISED from the real payload) refolds; the answers always equal a fold
    read from scratch."""
    from games import plays as kept
    from games.plays import folded_plays

    game = make_game(GAME)
    teams = (game.home_team_id, game.away_team_id)
    kept._folds.clear()
    rows = parse_playbyplay(recorded(GAME, "playbyplay"))[1]

    def fresh() -> kept.FoldedPlays:
        kept._folds.clear()
        return folded_plays(GAME, *teams)

    ingest_plays(GAME, rows[:200])
    first = folded_plays(GAME, *teams)
    assert len(first.states) > 100
    ingest_plays(GAME, rows[:400])  # 200 new actions: folded on
    grown = folded_plays(GAME, *teams)
    assert grown is first  # the same fold, extended
    grown_states = list(grown.states)
    assert grown_states == fresh().states
    assert folded_plays(GAME, *teams).states == grown_states  # unchanged: kept

    edited = [*rows[:400]]
    edited[150] = dataclasses.replace(edited[150], score_home=edited[150].score_home)  # same
    changed = dataclasses.replace(edited[380], descriptor="shooting", action_type="foul")
    edited[380] = changed  # an edit of an action already folded
    ingest_plays(GAME, edited)
    refolded = folded_plays(GAME, *teams)
    assert refolded is not grown and refolded.states == fresh().states
    ingest_plays(GAME, [r for r in edited if r.action_number != edited[390].action_number])
    assert folded_plays(GAME, *teams).states == fresh().states  # a removal refolds too


def test_an_actions_content_is_compared_as_its_stored_row_would_hold_it() -> None:
    # ingest_plays compares the feed's actions with the stored rows as plain tuples;
    # the tuple of an action is its row's PLAY_FIELDS, field by field.
    from games.play_services import PLAY_FIELDS, _play, _row_content

    _, rows = parse_playbyplay(recorded("0022400762", "playbyplay"))
    now = dt.datetime(2025, 2, 10, tzinfo=dt.UTC)
    for row in rows:
        play = _play("0022400762", row, now)
        assert _row_content(row) == tuple(getattr(play, name) for name in PLAY_FIELDS)
