"""The feeds: ``live`` (NBA's scoreboard) and ``replay`` (a recorded night)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from games.feed.live import FeedError, LiveFeed
from games.feed.replay import ReplayBoard, ReplayNight, ReplaySchedule

logger = logging.getLogger(__name__)

__all__ = ["Feed", "FeedError", "LiveFeed", "ReplayFeed", "get_feed"]


class Feed(Protocol):
    name: str

    def fetch(self) -> dict[str, Any]: ...


class ReplayFeed:
    """Each fetch advances the replay by one poll; the cursor lives in Redis."""

    name = "replay"

    def __init__(self, board: ReplayBoard) -> None:
        self.board = board
        self.key = f"livescores:replay:{board.night.date.isoformat()}"

    def fetch(self) -> dict[str, Any]:
        from games.redis_client import get_redis

        client = get_redis()
        client.set(f"{self.key}:started", timezone.now().isoformat(), nx=True)
        with client.pipeline() as pipe:
            pipe.incr(f"{self.key}:tick")
            pipe.get(f"{self.key}:started")
            tick, started = pipe.execute()
        return self.board.payload(int(tick) - 1, dt.datetime.fromisoformat(started.decode()))

    def reset(self) -> None:
        from games.redis_client import get_redis

        get_redis().delete(f"{self.key}:tick", f"{self.key}:started")


def load_replay_night() -> ReplayNight:
    if settings.REPLAY_PBP_DIR:
        from games.history import build_replay_night  # pandas: only for this option

        if not settings.REPLAY_DATE:
            raise ValueError("REPLAY_PBP_DIR needs REPLAY_DATE=YYYY-MM-DD")
        date = dt.date.fromisoformat(settings.REPLAY_DATE)
        return ReplayNight.from_dict(build_replay_night(Path(settings.REPLAY_PBP_DIR), date))
    return ReplayNight.from_file(settings.REPLAY_FILE)


def build_replay_feed() -> ReplayFeed:
    schedule = ReplaySchedule(
        seconds_per_poll=settings.REPLAY_SECONDS_PER_POLL,
        break_polls=settings.REPLAY_BREAK_POLLS,
        halftime_polls=settings.REPLAY_HALFTIME_POLLS,
    )
    board = ReplayBoard(load_replay_night(), schedule, settings.POLL_INTERVAL_SECONDS)
    return ReplayFeed(board)


@functools.cache
def get_feed() -> Feed:
    """The feed this process polls, chosen by the FEED setting (built once)."""
    feed: Feed = (
        build_replay_feed()
        if settings.FEED == "replay"
        else LiveFeed(settings.FEED_TIMEOUT_SECONDS)
    )
    logger.info("feed: %s", feed.name)
    return feed
