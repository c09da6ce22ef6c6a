"""The feed this process polls: ``live`` (NBA's scoreboard) or ``replay`` (a recorded night)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from games.feed.archive import ArchiveError, replay_night_from_archive
from games.feed.game_feed import GameFeed, LiveGameFeed, ReplayGameFeed
from games.feed.live import FeedError, LiveFeed
from games.feed.replay import ReplayBoard, ReplayNight, ReplaySchedule
from games.lifecycle import abandon_other_replays
from games.models import ReplayCursor

logger = logging.getLogger(__name__)

__all__ = ["Feed", "FeedError", "LiveFeed", "ReplayFeed", "get_feed"]


class Feed(Protocol):
    name: str

    def fetch(self) -> dict[str, Any]: ...


class ReplayFeed:
    """Each fetch advances the replay by one poll; the cursor is a PostgreSQL row.

    The cursor lives with the games it produced: a Redis restart (which empties every
    key) neither rewinds the night nor replays it twice.
    """

    name = "replay"

    def __init__(self, board: ReplayBoard) -> None:
        self.board = board
        self.night = board.night.date

    def fetch(self) -> dict[str, Any]:
        tick, started = ReplayCursor.advance(self.night)
        if tick == 1:  # this night's replay starts: the previous replay's games are stale
            abandon_other_replays(self.night)
        return self.board.payload(tick - 1, started)

    def reset(self) -> None:
        ReplayCursor.objects.filter(night=self.night).delete()


def load_replay_night() -> ReplayNight:
    """The night to replay: REPLAY_FILE, or REPLAY_DATE from the archive; both give the
    same dict, played by ``ReplayNight.from_dict``. (A night of a play-by-play parquet
    directory is exported to a file offline: ``manage.py export_replay_night``.)"""
    date: dt.date | None = settings.REPLAY_DATE
    if date is None:
        return ReplayNight.from_file(settings.REPLAY_FILE)
    return ReplayNight.from_dict(replay_night_from_archive(settings.REPLAY_ARCHIVE, date))


def replay_night_date() -> dt.date:
    """The night the replay plays, without building it: REPLAY_DATE, else REPLAY_FILE's
    date (the pages name it before the first poll)."""
    date: dt.date | None = settings.REPLAY_DATE
    if date is not None:
        return date
    return _file_date(settings.REPLAY_FILE)


@functools.cache
def _file_date(path: Path) -> dt.date:
    return dt.date.fromisoformat(json.loads(path.read_text())["date"])


def check_replay_night() -> str:
    """Read the night the replay would play (REPLAY_FILE, or REPLAY_DATE from the
    archive); raise ``ReplayNightError`` with one line naming the variable and the fix
    if it cannot be played. Returns what will be replayed, for the start-up log."""
    date: dt.date | None = settings.REPLAY_DATE
    try:
        night = load_replay_night()
    except ArchiveError as exc:
        raise ReplayNightError(
            f"REPLAY_DATE={date}: {exc}; set REPLAY_DATE to a night with games, e.g. "
            "REPLAY_DATE=2025-02-10, or unset it to replay the shipped night"
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        name = "REPLAY_FILE" if date is None else "REPLAY_ARCHIVE"
        path = settings.REPLAY_FILE if date is None else settings.REPLAY_ARCHIVE
        raise ReplayNightError(
            f"{name}={path}: cannot be read as a recorded night ({exc.__class__.__name__}: "
            f"{exc}); point {name} at a night file (data/replay_night.json) or unset it"
        ) from None
    if not night.games:
        raise ReplayNightError(f"the replay night {night.date} has no games; set REPLAY_DATE")
    return f"the replay plays {night.date} ({len(night.games)} games)"


class ReplayNightError(ValueError):
    """The configured replay night cannot be played (one line: the variable, the fix)."""


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


@functools.cache
def get_game_feed() -> GameFeed:
    """Where this process gets a game's play-by-play and box score: NBA's live endpoints,
    or the replayed night's plays (``data/plays_2024-25``), matching the FEED setting."""
    feed = get_feed()
    if isinstance(feed, ReplayFeed):
        return ReplayGameFeed(feed.night, settings.REPLAY_PLAYS_DIRECTORY)
    return LiveGameFeed(settings.FEED_TIMEOUT_SECONDS)
