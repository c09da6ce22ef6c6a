"""Plays are authoritative for the minutes: a closed minute the scoreboard got wrong (or
imputed) is rewritten from the stored play-by-play with the training definition, pushed
to the game's subscribers, and the actual halftime follows; a forecast already made
keeps the pattern it used.

The plays are a real recorded game (SAC @ DAL, 2025-02-10, tests/fixtures/live_pbp);
the wrong scoreboard minutes are synthesised here, labelled as such."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import responses
from django.utils import timezone

from games import signals
from games.feed.game_feed import LiveGameFeed, ReplayGameFeed
from games.feed.playbyplay import parse_playbyplay
from games.feed.select import build_replay_feed
from games.feed.types import GameStatus
from games.models import Game, MinuteDifferential
from games.play_services import correct_minutes, follow_games, ingest_plays
from games.recovery import minutes_from_playbyplay, minutes_from_stored_plays
from games.services import poll_scoreboard
from realtime import broadcast, messages
from support.schemas import assert_valid
from tests.games.test_follow import BOX_URL, GAME, PBP_URL, body
from tests.games.test_plays import make_game

pytestmark = pytest.mark.django_db


def truth() -> dict[int, tuple[int, int]]:
    return minutes_from_playbyplay(json.loads(body("playbyplay"))["game"]["actions"])


def store_minutes(
    values: dict[int, tuple[int, int]], imputed: frozenset[int] = frozenset()
) -> None:
    now = timezone.now()
    MinuteDifferential.objects.bulk_create(
        MinuteDifferential(
            game_id=GAME,
            minute=m,
            home_score=h,
            away_score=a,
            differential=h - a,
            imputed=m in imputed,
            closed_at=now,
        )
        for m, (h, a) in values.items()
    )
    Game.objects.filter(pk=GAME).update(last_closed_minute=max(values))


@responses.activate
def test_wrong_and_imputed_minutes_are_rewritten_from_the_plays_and_pushed(
    redis_client: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames: list[tuple[str, list[dict[str, Any]]]] = []
    monkeypatch.setattr(broadcast, "send_now", frames.extend)
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)
    exact = truth()
    assert len(exact) == 53  # an overtime game: every minute closed by its plays
    # Synthesised scoreboard minutes 1..30: minute 7 one basket short, minute 12 imputed
    # (carried from minute 11), minute 24 (halftime) one point off.
    polled = {m: exact[m] for m in range(1, 31)}
    polled[7] = (polled[7][0] - 2, polled[7][1])
    polled[12] = polled[11]
    polled[24] = (polled[24][0], polled[24][1] + 1)
    assert polled[12] != exact[12]
    store_minutes(polled, imputed=frozenset({12}))
    sent: list[Any] = []

    def plays(sender: Any, change: Any, **kwargs: Any) -> None:
        sent.append(("plays", change))

    def outcomes(sender: Any, outcomes: Any, **kwargs: Any) -> None:
        sent.append(("outcomes", outcomes))

    signals.plays_changed.connect(plays, dispatch_uid="test")
    signals.outcomes_known.connect(outcomes, dispatch_uid="test")
    responses.get(PBP_URL, body=body("playbyplay"))
    responses.get(BOX_URL, body=body("boxscore"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            follow_games(LiveGameFeed(timeout=2.5))
    finally:
        signals.plays_changed.disconnect(dispatch_uid="test")
        signals.outcomes_known.disconnect(dispatch_uid="test")

    stored = {row.minute: row for row in MinuteDifferential.objects.filter(game_id=GAME)}
    assert sorted(stored) == list(range(1, 31))  # no minute the polls have not closed
    assert {m: (r.home_score, r.away_score) for m, r in stored.items()} == {
        m: exact[m] for m in range(1, 31)
    }
    assert sorted(m for m, r in stored.items() if r.reconciled) == [7, 12, 24]
    assert not any(r.imputed for r in stored.values())
    [(_, change)] = [item for item in sent if item[0] == "plays"]
    assert [row.minute for row in change.minutes] == [7, 12, 24]
    assert change.pattern_progress == 18
    [(_, known)] = [item for item in sent if item[0] == "outcomes"]
    assert known == {GAME: (exact[24][0] - exact[24][1], None)}
    assert minutes_from_stored_plays(GAME) == exact  # the stored plays, as the feed's
    # The subscribers get them as a pattern_progress of the game's current version
    # (merged by minute number by every client), before the plays themselves.
    [batch] = [b for g, b in frames if g == messages.game_group(GAME)]
    progress = batch[0]
    assert_valid(progress)
    assert (progress["type"], progress["seq"], progress["progress"]) == (
        "pattern_progress",
        Game.objects.get(pk=GAME).seq,
        18,
    )
    assert [(r["minute"], r["differential"], r["imputed"]) for r in progress["minutes"]] == [
        (m, exact[m][0] - exact[m][1], False) for m in (7, 12, 24)
    ]


@responses.activate
def test_minutes_the_plays_agree_with_are_left_alone(redis_client: Any) -> None:
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)
    exact = truth()
    store_minutes({m: exact[m] for m in range(1, 19)})
    before = dict(MinuteDifferential.objects.filter(game_id=GAME).values_list("minute", "id"))
    responses.get(PBP_URL, body=body("playbyplay"))
    responses.get(BOX_URL, body=body("boxscore"))
    follow_games(LiveGameFeed(timeout=2.5))
    assert not MinuteDifferential.objects.filter(game_id=GAME, reconciled=True).exists()
    assert (
        dict(MinuteDifferential.objects.filter(game_id=GAME).values_list("minute", "id")) == before
    )


@pytest.mark.parametrize("since", [0.0, 0.5, 60.0, 60.5, 719.0, 720.0, 1441.0, 2885.0, 3100.0])
def test_the_minutes_from_a_new_play_on_are_those_of_the_whole_game(since: float) -> None:
    # A fetch's new plays change no minute before theirs: reading from there (the
    # running maximum before it as one aggregate) gives what the whole game gives.
    make_game(GAME)
    ingest_plays(GAME, parse_playbyplay(json.loads(body("playbyplay")))[1])
    whole = minutes_from_stored_plays(GAME)
    assert whole == truth()
    first = max(1, math.ceil(since / 60))
    assert minutes_from_stored_plays(GAME, since) == {m: v for m, v in whole.items() if m >= first}


@pytest.mark.slow
def test_the_replayed_nights_plays_and_scoreboard_agree_on_every_minute(redis_client: Any) -> None:
    # The shipped night has a technical free throw at 12:00 of the fourth (MIA, game
    # 0022400755, 104-79): by the training definition it is minute 36's. A fetch whose
    # plays end at the third quarter's end must not close minute 36 at 104-78 (the
    # period's end shares its instant with the next period's first plays).
    replay = build_replay_feed()
    replay.reset()
    plays = ReplayGameFeed(replay.night)
    for _ in range(60):
        poll_scoreboard(replay)
        follow_games(plays)
    minutes = MinuteDifferential.objects.all()
    assert minutes.count() > 400
    assert not minutes.filter(reconciled=True).exists()
    assert not minutes.filter(imputed=True).exists()
    assert minutes.filter(game_id="0022400755", minute=36).values_list(
        "home_score", "away_score"
    ).get() == (104, 79)


def _live_game(closed: int) -> Game:
    make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE, last_closed_minute=closed)
    return Game.objects.get(pk=GAME)


def _rows_until(elapsed: float) -> list[Any]:
    rows = parse_playbyplay(json.loads(body("playbyplay")))[1]
    return [r for r in rows if r.elapsed <= elapsed]


def test_new_plays_correct_a_minute_a_previous_fetch_left_open() -> None:
    # Fetch 1 ends inside minute m (its last play before 60·m s, the next one after);
    # the poll has stored minutes 1..m with minute m wrong (synthesised); fetch 2's first
    # new play is in minute m + 1: minute m is checked too.
    exact = truth()
    times = sorted({r.elapsed for r in _rows_until(900.0)})
    m = next(m for m in range(6, 15) if 60 * m not in times)
    cut = max(t for t in times if t < 60 * m)
    _live_game(m)
    ingest_plays(GAME, _rows_until(cut))
    wrong = (exact[m][0], exact[m][1] + 2)
    store_minutes({**{k: exact[k] for k in range(1, m)}, m: wrong})
    changes = ingest_plays(GAME, _rows_until(900.0))
    assert changes.earliest() > 60 * m
    corrected = correct_minutes({GAME: Game.objects.get(pk=GAME)}, {GAME: (changes, "f2")})
    assert [row.minute for row in corrected[GAME]] == [m]
    assert MinuteDifferential.objects.get(game_id=GAME, minute=m).differential == (
        exact[m][0] - exact[m][1]
    )


def test_a_minute_the_poll_stored_after_the_plays_closed_it_is_corrected_unchanged_plays() -> None:
    # The plays reached minute 8 before the poll stored minute 7 (wrong, synthesised);
    # the next follow-up brings no new plays: the last closed minutes are rechecked.
    exact = truth()
    _live_game(7)
    ingest_plays(GAME, _rows_until(485.0))
    store_minutes({**{m: exact[m] for m in range(1, 7)}, 7: (exact[7][0], exact[7][1] + 3)})
    corrected = correct_minutes({GAME: Game.objects.get(pk=GAME)}, {})
    assert [row.minute for row in corrected[GAME]] == [7]


def test_a_game_just_final_has_its_last_minutes_checked_though_no_longer_followed() -> None:
    exact = truth()
    _live_game(53)
    ingest_plays(GAME, parse_playbyplay(json.loads(body("playbyplay")))[1])
    store_minutes({**exact, 53: (exact[53][0] - 1, exact[53][1])})
    Game.objects.filter(pk=GAME).update(status=GameStatus.FINAL, updated_at=timezone.now())
    corrected = correct_minutes({}, {})  # not followed: its plays hold the game's end
    assert [row.minute for row in corrected[GAME]] == [53]
