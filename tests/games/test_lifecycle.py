"""No game is live for ever: a game off tonight's board and unfinished becomes stale.

Issue 19, Why 3: games of another night left "LIVE" by a stopped replay stayed on
"Tonight" for ever. The board holds tonight's games and yesterday's still-live ones
(a game live across midnight stays until final); any other unfinished game is marked
stale once the feed has not shown it for GAME_STALE_AFTER_SECONDS, and at once when a
replay of another night starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from games import signals
from games.feed.parser import parse_scoreboard
from games.feed.select import build_replay_feed
from games.feed.types import GameStatus
from games.models import Board, Game, ReplayCursor
from games.services import poll_scoreboard
from realtime.payloads import current_games, game_payload
from support.payloads import at_minute, board, game_json
from support.rows import StaticFeed

pytestmark = pytest.mark.django_db

LATE = "0042200163"
OTHER = "0042200173"
THIRD = "0042200183"


def poll(*payloads: dict[str, Any]) -> None:
    feed = StaticFeed(*payloads)
    for _ in payloads:
        poll_scoreboard(feed)


def age(game_id: str, seconds: float) -> None:
    """The feed's last new state of the game was ``seconds`` ago."""
    then = timezone.now() - dt.timedelta(seconds=seconds)
    Game.objects.filter(pk=game_id).update(updated_at=then)


def on_board() -> list[str]:
    return sorted(current_games().values_list("pk", flat=True))


@pytest.fixture
def changes() -> Any:
    """Every game change announced after commit (what realtime sends to sockets)."""
    seen: list[signals.GameChange] = []

    def receiver(sender: Any, changes: list[signals.GameChange], **kwargs: Any) -> None:
        seen.extend(changes)

    signals.games_changed.connect(receiver, dispatch_uid="test-lifecycle")
    yield seen
    signals.games_changed.disconnect(dispatch_uid="test-lifecycle")


def test_a_game_live_across_midnight_stays_while_fresh_then_goes_stale(
    settings: Any, changes: list[signals.GameChange], django_capture_on_commit_callbacks: Any
) -> None:
    settings.GAME_STALE_AFTER_SECONDS = 1800
    tomorrow = game_json(OTHER, status=1, period=0, clock="", text="7:00 pm ET")
    poll(board(at_minute(40.5, 90, 88)))
    # The rollover: the late game is still on the new scoreboard, then drops off it.
    poll(board(at_minute(42.5, 95, 92), tomorrow, date="2023-04-21"))
    poll(board(tomorrow, date="2023-04-21"))
    assert on_board() == [LATE, OTHER]  # today's rule: live from yesterday, kept

    age(LATE, 1700)  # not long enough
    poll(board(tomorrow, date="2023-04-21"))
    assert Game.objects.get(pk=LATE).status == GameStatus.LIVE

    age(LATE, 1900)
    seq = Game.objects.get(pk=LATE).seq
    with django_capture_on_commit_callbacks(execute=True):
        poll(board(tomorrow, date="2023-04-21"))
    late = Game.objects.get(pk=LATE)
    assert late.status == GameStatus.STALE and late.seq == seq + 1
    assert game_payload(late)["status"] == "stale"
    assert [(c.game.pk, c.game.seq) for c in changes] == [(LATE, seq + 1)]
    assert on_board() == [OTHER]
    board_now = Board.current()
    assert board_now is not None and board_now.game_ids == [OTHER]  # the version moved too


def test_a_game_still_on_the_scoreboard_never_goes_stale(settings: Any) -> None:
    settings.GAME_STALE_AFTER_SECONDS = 60
    poll(board(at_minute(40.5, 90, 88)))
    poll(board(at_minute(42.5, 95, 92), date="2023-04-21"))
    age(LATE, 3600)  # a long stoppage: the same state, poll after poll
    poll(board(at_minute(42.5, 95, 92), date="2023-04-21"))
    assert Game.objects.get(pk=LATE).status == GameStatus.LIVE
    assert on_board() == [LATE]


def test_a_game_of_another_night_is_never_on_the_board_and_goes_stale(settings: Any) -> None:
    settings.GAME_STALE_AFTER_SECONDS = 600
    # A later night left live (a replay of 2023-04-25 stopped), then tonight's poll.
    poll(board(at_minute(30.5, 60, 50, game_id=THIRD), date="2023-04-25"))
    poll(board(at_minute(3.5, 6, 4, game_id=OTHER)))
    assert on_board() == [OTHER]  # no upper date bound any more: never on tonight's board
    age(THIRD, 601)
    poll(board(at_minute(4.5, 8, 4, game_id=OTHER)))
    assert Game.objects.get(pk=THIRD).status == GameStatus.STALE
    # Never counted live or scheduled, never scored.
    assert not Game.objects.filter(pk=THIRD, status__in=[GameStatus.LIVE, GameStatus.SCHEDULED])


def test_a_stale_game_seen_again_is_taken_back() -> None:
    poll(board(at_minute(30.5, 60, 50, game_id=THIRD), date="2023-04-25"))
    Game.objects.filter(pk=THIRD).update(status=GameStatus.STALE)
    poll(board(at_minute(31.5, 62, 50, game_id=THIRD), date="2023-04-25"))
    game = Game.objects.get(pk=THIRD)
    assert (game.status, game.home_score, game.last_closed_minute) == (GameStatus.LIVE, 62, 31)
    poll(board(game_json(THIRD, status=3, period=4, clock="", home=99, away=90), date="2023-04-25"))
    assert Game.objects.get(pk=THIRD).status == GameStatus.FINAL


def test_the_feed_cannot_send_the_stale_status() -> None:
    parsed = parse_scoreboard(board(game_json(status=4)))
    assert parsed.games == [] and "gameStatus 4 is unknown" in parsed.rejected[0].reason


def test_a_final_game_shown_unfinished_is_warned_about_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll(board(game_json(status=3, period=4, clock="", home=101, away=99)))
    for _ in range(5):
        poll(board(at_minute(30.5, 60, 50)))
    assert caplog.text.count("status regressed from final") == 1


@pytest.mark.django_db(transaction=True)
def test_starting_a_replay_of_another_night_marks_the_previous_replays_games_stale(
    settings: Any, redis_client: Any
) -> None:
    settings.REPLAY_DATE = dt.date(2025, 3, 15)  # REPLAY_DATE=2025-03-15 ./bin/up ...
    first = build_replay_feed()
    for _ in range(40):  # ... stopped mid-night
        poll_scoreboard(first)
    left = set(Game.objects.filter(game_date="2025-03-15").values_list("pk", flat=True))
    assert Game.objects.filter(pk__in=left, status=GameStatus.LIVE).exists()

    settings.REPLAY_DATE = dt.date(2025, 2, 10)  # ... then ./bin/up again
    second = build_replay_feed()
    poll_scoreboard(second)
    assert (
        not Game.objects.filter(pk__in=left)
        .exclude(status=GameStatus.STALE)
        .exclude(status=GameStatus.FINAL)
    )
    tonight = set(Game.objects.filter(game_date="2025-02-10").values_list("pk", flat=True))
    assert set(on_board()) == tonight and len(tonight) == 10
    assert Board.tonight() == dt.date(2025, 2, 10)

    # Replaying 15 March again resumes it: its cursor was kept, its games come back.
    settings.REPLAY_DATE = dt.date(2025, 3, 15)
    again = build_replay_feed()
    assert ReplayCursor.objects.get(night="2025-03-15").tick == 40
    poll_scoreboard(again)
    assert Game.objects.filter(pk__in=left, status=GameStatus.LIVE).exists()
