"""Workflows of the live pipeline: poll the feed, persist a scoreboard, announce what closed."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError

from games import events, metrics, signals
from games.feed import Feed, FeedError, get_feed
from games.feed.parser import GameState, PayloadError, Scoreboard, parse_scoreboard
from games.models import (
    STATE_FIELDS,
    Board,
    Game,
    GameStatus,
    MinuteDifferential,
    Observation,
    PollOutcome,
    PollRun,
    Snapshot,
)
from games.payloads import board_payload, game_payload, minute_payload
from games.queries import current_games
from games.redis_client import get_redis

__all__ = ["IngestResult", "current_games", "ingest_scoreboard", "poll_exclusively"]

logger = logging.getLogger(__name__)

POLL_LOCK_KEY = "livescores:poll-lock"


@dataclass
class IngestResult:
    games: int = 0
    snapshots: int = 0
    minutes: int = 0
    predictions_queued: list[str] = field(default_factory=list)


def _lock_games(states: dict[str, GameState], board_date: dt.date) -> dict[str, Game]:
    """Lock every game of the poll (creating new ones), always in primary-key order."""

    def locked(ids: list[str]) -> dict[str, Game]:
        rows = Game.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        return {game.pk: game for game in rows}

    games = locked(sorted(states))
    missing = [state for game_id, state in sorted(states.items()) if game_id not in games]
    if missing:
        new = [Game.from_state(state, board_date) for state in missing]
        Game.objects.bulk_create(new, ignore_conflicts=True)
        games.update(locked([state.game_id for state in missing]))
    return games


def ingest_scoreboard(board: Scoreboard) -> IngestResult:
    """Persist one parsed poll: game state, changed snapshots, closed minutes, triggers.

    Idempotent: re-polling the same payload changes nothing, and concurrent polls
    serialise on the games' row locks.
    """
    now = timezone.now()
    states = {state.game_id: state for state in board.games}
    result = IngestResult(games=len(states))
    if not states:
        return result
    board_date = board.game_date or timezone.localdate()
    outcomes: dict[str, tuple[int | None, int | None]] = {}
    with transaction.atomic():
        if not settings.POLL_SYNCHRONOUS_COMMIT:
            _commit_without_waiting_for_disk()
        games = _lock_games(states, board_date)
        snapshots: list[Snapshot] = []
        minutes: list[MinuteDifferential] = []
        observed: list[tuple[Game, Observation]] = []
        for game_id, state in sorted(states.items()):
            game = games[game_id]
            observation = game.observe(state)
            if observation.ignored:
                logger.warning("game %s: ignored a state: %s", game_id, observation.ignored)
                continue
            if observation.corrected:
                logger.warning(
                    "game %s: accepted a stat correction: %s", game_id, observation.corrected
                )
            if not (observation.changed or observation.minutes):
                continue
            game.updated_at = now
            game.seq += 1  # one new version per changed game and poll (row locked)
            observed.append((game, observation))
            if observation.changed:
                snapshots.append(_snapshot(game, now))
            minutes.extend(
                MinuteDifferential(
                    game=game,
                    minute=m.minute,
                    home_score=m.home,
                    away_score=m.away,
                    differential=m.differential,
                    imputed=m.imputed,
                    closed_at=now,
                )
                for m in observation.minutes
            )
            if observation.forecast_due and game.forecast_is_timely() and _claim_forecast(game):
                result.predictions_queued.append(game_id)
            halftime = next((m.differential for m in observation.minutes if m.minute == 24), None)
            if halftime is not None or observation.became_final:
                outcomes[game_id] = (
                    halftime,
                    game.differential if observation.became_final else None,
                )
        changed = [game for game, _ in observed]
        # One INSERT ... ON CONFLICT DO UPDATE: far cheaper than bulk_update's CASE WHENs.
        Game.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["game_id"], update_fields=STATE_FIELDS
        )
        Snapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
        MinuteDifferential.objects.bulk_create(minutes, ignore_conflicts=True)
        result.snapshots, result.minutes = len(snapshots), len(minutes)
        scoreboard_messages, detail = _messages(observed, minutes)
        events.send_on_commit([(events.SCOREBOARD_GROUP, scoreboard_messages), *detail])
        _announce(minutes, result.predictions_queued, outcomes)
    return result


def _announce(
    minutes: list[MinuteDifferential],
    forecasts_due: list[str],
    outcomes: dict[str, tuple[int | None, int | None]],
) -> None:
    """After commit (and after this poll's pushes): what closed, for the apps above."""
    if minutes:
        closed: dict[str, list[int]] = {}
        for row in minutes:
            closed.setdefault(row.game_id, []).append(row.minute)
        signals.announce_on_commit(signals.minutes_closed, closed=closed)
    for game_id in forecasts_due:
        signals.announce_on_commit(signals.halftime_forecast_due, game_id=game_id)
    if outcomes:
        signals.announce_on_commit(signals.outcomes_known, outcomes=outcomes)


def _messages(
    observed: list[tuple[Game, Observation]],
    minutes: list[MinuteDifferential],
) -> tuple[list[events.GameMessage], list[tuple[str, list[events.PatternProgressMessage]]]]:
    """One scoreboard message per changed game (its new version) and the closed minutes
    for its subscribers.

    Each is the same size at any minute of the game: nothing whose size grows with game
    time is read or sent (the win-probability curve travels in snapshot and subscribed).
    """
    closed: dict[str, list[MinuteDifferential]] = {}
    for row in minutes:
        closed.setdefault(row.game_id, []).append(row)
    scoreboard: list[events.GameMessage] = []
    detail: list[tuple[str, list[events.PatternProgressMessage]]] = []
    for game, observation in observed:
        payload = game_payload(game)
        build = (
            events.game_final_message if observation.became_final else events.score_update_message
        )
        scoreboard.append(build(payload))
        if game.pk in closed:  # the per-game stream carries the minute detail
            rows = [minute_payload(row) for row in closed[game.pk]]
            progress = events.pattern_progress_message(
                game.pk, game.seq, game.pattern_progress, rows
            )
            detail.append((events.game_group(game.pk), [progress]))
    return scoreboard, detail


def _commit_without_waiting_for_disk() -> None:
    """This transaction's COMMIT returns before its WAL reaches disk.

    Everything a poll writes is re-derived from the feed and upserted by the next
    poll, so a database crash can cost at most the last few hundred milliseconds of
    polls, never consistency; predictions and every other write stay synchronous.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _snapshot(game: Game, observed_at: dt.datetime) -> Snapshot:
    return Snapshot(
        game=game,
        observed_at=observed_at,
        status=game.status,
        status_text=game.status_text,
        period=game.period,
        clock_seconds=game.clock_seconds,
        elapsed_seconds=game.elapsed_seconds,
        home_score=game.home_score,
        away_score=game.away_score,
    )


def _claim_forecast(game: Game) -> bool:
    """Mark the game's forecast as queued; true for exactly one caller, ever."""
    now = timezone.now()
    claimed = Game.objects.filter(pk=game.pk, prediction_queued_at__isnull=True).update(
        prediction_queued_at=now
    )
    if claimed:
        game.prediction_queued_at = now
    return bool(claimed)


def poll_scoreboard(feed: Feed | None = None) -> PollRun:
    """Fetch, parse and persist one poll, recording the run (raises FeedError to retry)."""
    feed = feed or get_feed()
    run = PollRun(started_at=timezone.now(), feed=feed.name)
    start = time.perf_counter()
    try:
        try:
            payload = feed.fetch()
        finally:
            run.fetch_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        board = parse_scoreboard(payload)
        result = ingest_scoreboard(board)
        check_continuity(board)
        track_board(board.game_date or timezone.localdate())
    except (FeedError, PayloadError) as exc:
        run.outcome, run.error = PollOutcome.FETCH_ERROR, str(exc)
        logger.warning("poll failed: %s", exc)
        run.save()
        metrics.record_poll(run)
        raise FeedError(str(exc)) from exc
    except Exception as exc:
        run.outcome, run.error = PollOutcome.ERROR, f"{exc.__class__.__name__}: {exc}"
        logger.exception("poll crashed")
        with contextlib.suppress(Exception):
            run.save()
        raise
    run.processing_ms = (time.perf_counter() - start) * 1000
    run.outcome, run.games, run.rejected = PollOutcome.OK, result.games, len(board.rejected)
    run.board_date = board.game_date
    run.save()
    metrics.record_poll(run)
    logger.info(
        "poll ok: %d games, %d rejected, %d snapshots, %d minutes, %.1f+%.1f ms",
        result.games,
        run.rejected,
        result.snapshots,
        result.minutes,
        run.fetch_ms,
        run.processing_ms,
    )
    return run


def track_board(day: dt.date) -> Board:
    """Record tonight's board after a poll; when its set of games changed, tell every
    socket (a ``board`` message carrying the new board version)."""
    with transaction.atomic():
        board, changed = Board.track(day)
        if changed:
            message = events.board_message(board_payload(board), board.game_ids)
            events.send_on_commit([(events.SCOREBOARD_GROUP, [message])])
    return board


def check_continuity(board: Scoreboard) -> None:
    """Log what a poll cannot fix: live games missing from the board, a date rollover.

    A game that vanishes keeps its last state (nothing is deleted) and is picked up
    again if it comes back; a game live across the scoreboard's date rollover keeps
    its own date (``_lock_games`` only dates new games).
    """
    on_board = {state.game_id for state in board.games} | {r.game_id for r in board.rejected}
    live = dict(Game.objects.filter(status=GameStatus.LIVE).values_list("pk", "game_date"))
    vanished = sorted(set(live) - on_board)
    if vanished:
        logger.warning(
            "live games missing from the %s scoreboard, kept at their last state: %s",
            board.game_date,
            ", ".join(vanished),
        )
    last = PollRun.objects.filter(outcome=PollOutcome.OK, board_date__isnull=False).first()
    if last is not None and board.game_date is not None and board.game_date != last.board_date:
        carried = sorted(pk for pk, day in live.items() if day != board.game_date)
        logger.info(
            "scoreboard date rolled over from %s to %s; %d games of earlier dates still live: %s",
            last.board_date,
            board.game_date,
            len(carried),
            ", ".join(carried) or "none",
        )


def poll_exclusively(feed: Feed | None = None) -> PollRun | None:
    """One poll at a time across all workers (a Redis lock); None when one is running.

    If Redis cannot be reached the poll still runs and persists to PostgreSQL without
    the lock: overlapping polls are safe (they serialise on the games' row locks and
    are idempotent), while a skipped poll would lose the state.
    """
    lock = get_redis().lock(POLL_LOCK_KEY, timeout=settings.POLL_LOCK_SECONDS)
    try:
        acquired = lock.acquire(blocking=False)
    except RedisConnectionError as exc:
        logger.warning("poll lock unavailable (Redis: %s); polling without it", exc)
        return poll_scoreboard(feed)
    if not acquired:
        logger.info("poll skipped: the previous poll still holds the lock")
        return None
    try:
        return poll_scoreboard(feed)
    finally:
        with contextlib.suppress(LockError, RedisConnectionError):
            lock.release()
