from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, connections
from redis.exceptions import ConnectionError as RedisConnectionError

from games.broker import queue_or_skip
from games.feed.live import FeedError
from games.play_services import follow_exclusively
from games.services import poll_exclusively

logger = logging.getLogger(__name__)


def discard_broken_connections() -> None:
    """Close database connections that failed (server restarted, connection dropped).

    A Celery worker closes connections around every task it runs, but a retry that
    runs in place (eager mode, or a caller looping) would reuse the dead one.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


@shared_task(
    autoretry_for=(FeedError, OperationalError, RedisConnectionError),
    retry_backoff=1,
    retry_backoff_max=8,
    retry_jitter=True,
    max_retries=2,
    ignore_result=True,
)
def poll_scoreboard() -> str:
    try:
        run = poll_exclusively()
    except OperationalError as exc:
        logger.warning("poll hit a database error, retrying on a new connection: %s", exc)
        discard_broken_connections()
        raise
    if run is not None and settings.PLAYS_FOLLOW:
        # The scoreboard is committed and pushed: the games' own endpoints come after.
        queue_or_skip(
            lambda: follow_plays.apply_async(expires=settings.POLL_INTERVAL_SECONDS),
            "the plays' follow-up",
            "the next poll queues it",
        )
    return run.outcome if run else "skipped"


@shared_task(ignore_result=True, autoretry_for=(OperationalError,), max_retries=1)
def follow_plays() -> str:
    """The live games' play-by-play and box score (``games.play_services.follow_games``);
    never retried for a feed fault: the next poll's follow-up fetches again."""
    result = follow_exclusively()
    if result is None:
        return "skipped"
    return f"{result.games} games, {len(result.changed)} changed, {len(result.failures)} failed"
