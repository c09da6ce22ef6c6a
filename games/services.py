"""Workflows of the live pipeline: poll the feed, persist a scoreboard, announce what changed."""

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

from games import metrics, signals
from games.feed.live import FeedError
from games.feed.parser import PayloadError, parse_scoreboard
from games.feed.select import Feed, get_feed
from games.feed.types import GameState, GameStatus, Scoreboard
from games.lifecycle import mark_vanished_games_stale
from games.minutes import HALFTIME_MINUTE
from games.models import (
    STATE_FIELDS,
    Board,
    Game,
    MinuteDifferential,
    Observation,
    PollOutcome,
    PollRun,
    Snapshot,
)
from games.redis_client import get_redis

logger = logging.getLogger(__name__)

POLL_LOCK_KEY = "livescores:poll-lock"


@dataclass
class IngestResult:
    games: int = 0
    snapshots: int = 0
    minutes: int = 0
    predictions_queued: list[str] = field(default_factory=list)  # halftime forecasts claimed
    closed: dict[str, list[int]] = field(default_factory=dict)  # game id -> minutes closed
    outcomes: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    changed: list[Game] = field(default_factory=list)  # every game given a new version


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


def ingest_scoreboard(board: Scoreboard, *, announce: bool = True) -> IngestResult:
    """Persist one parsed poll: game state, changed snapshots, closed minutes, triggers.

    What changed is announced after commit (``games.signals``) unless ``announce`` is
    false: loading finished nights (``load_nights``) stores history that nobody follows
    live, and acts on the result itself. Idempotent: re-polling the same payload
    changes nothing, and concurrent polls serialise on the games' row locks.
    """
    now = timezone.now()
    states = {state.game_id: state for state in board.games}
    result = IngestResult(games=len(states))
    if not states:
        return result
    board_date = board.game_date or timezone.localdate()
    outcomes = result.outcomes
    with transaction.atomic():
        if not settings.POLL_SYNCHRONOUS_COMMIT:
            _commit_without_waiting_for_disk()
        games = _lock_games(states, board_date)
        snapshots: list[Snapshot] = []
        minutes: list[MinuteDifferential] = []
        changes: list[signals.GameChange] = []
        for game_id, state in sorted(states.items()):
            game = games[game_id]
            observation = game.observe(state)
            if observation.ignored:
                _warn_ignored(game_id, observation)
                continue
            if observation.corrected:
                logger.warning(
                    "game %s: accepted a stat correction: %s", game_id, observation.corrected
                )
            if not (observation.changed or observation.minutes):
                continue
            game.updated_at = now
            game.seq += 1  # one new version per changed game and poll (row locked)
            if observation.changed:
                snapshots.append(_snapshot(game, now))
            closed = [
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
            ]
            minutes.extend(closed)
            changes.append(signals.GameChange(game, observation.became_final, closed))
            if observation.forecast_due and game.forecast_is_timely() and _claim_forecast(game):
                result.predictions_queued.append(game_id)
            halftime = next(
                (m.differential for m in observation.minutes if m.minute == HALFTIME_MINUTE), None
            )
            if halftime is not None or observation.became_final:
                outcomes[game_id] = (
                    halftime,
                    game.differential if observation.became_final else None,
                )
        changed = result.changed = [change.game for change in changes]
        # One INSERT ... ON CONFLICT DO UPDATE: far cheaper than bulk_update's CASE WHENs.
        Game.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["game_id"], update_fields=STATE_FIELDS
        )
        Snapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
        MinuteDifferential.objects.bulk_create(minutes, ignore_conflicts=True)
        result.snapshots, result.minutes = len(snapshots), len(minutes)
        for row in minutes:
            result.closed.setdefault(row.game_id, []).append(row.minute)
        if announce:
            _announce(changes, result)
    return result


# (game id, reason) already warned about by this process: a final game that a feed keeps
# showing unfinished is said once, not on every poll.
_WARNED: set[tuple[str, str]] = set()


def forget_warnings() -> None:
    """Warn again about every game (a new night, a test)."""
    _WARNED.clear()


def _warn_ignored(game_id: str, observation: Observation) -> None:
    if observation.repeats:
        if (game_id, observation.ignored) in _WARNED:
            logger.debug("game %s: ignored a state again: %s", game_id, observation.ignored)
            return
        _WARNED.add((game_id, observation.ignored))
    logger.warning("game %s: ignored a state: %s", game_id, observation.ignored)


def _announce(changes: list[signals.GameChange], result: IngestResult) -> None:
    """After commit, for the apps above: the games' new versions first, then what closed."""
    if changes:
        signals.announce_on_commit(signals.games_changed, changes=changes)
        games = [change.game for change in changes]
        signals.announce_on_commit(signals.game_states_changed, games=games)
    if result.closed:
        signals.announce_on_commit(signals.minutes_closed, closed=result.closed)
    for game_id in result.predictions_queued:
        signals.announce_on_commit(signals.halftime_forecast_due, game_id=game_id)
    if result.outcomes:
        signals.announce_on_commit(signals.outcomes_known, outcomes=result.outcomes)


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
        day = board.game_date or timezone.localdate()
        mark_vanished_games_stale(
            day, {state.game_id for state in board.games} | {r.game_id for r in board.rejected}
        )
        track_board(day)
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
    """Record tonight's board after a poll; announce it when its set of games changed
    (its version grew)."""
    with transaction.atomic():
        board, changed = Board.track(day)
        if changed:
            signals.announce_on_commit(signals.board_changed, board=board)
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
    new = [pk for pk in vanished if (pk, "vanished") not in _WARNED]  # said once per game
    _WARNED.update((pk, "vanished") for pk in new)
    if new:
        logger.warning(
            "live games missing from the %s scoreboard, kept at their last state "
            "(stale after %.0f s unseen unless on the board): %s",
            board.game_date,
            settings.GAME_STALE_AFTER_SECONDS,
            ", ".join(new),
        )
    last = PollRun.objects.filter(board_date__isnull=False).last_good()
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
