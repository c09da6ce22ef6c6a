"""Load finished nights from the season archive into the database, as if followed live.

Each night is played through the replay board (the live scoreboard schema, one game
minute per poll) and every poll goes through ``games.services.ingest_scoreboard``, the
same service the poller uses: games, snapshots, closed minute differentials, final
state and the outcomes on the predictions are what a live night would have stored.
Nothing is announced (nobody follows these nights live; ``games.signals.silenced``:
no message reaches tonight's sockets, not even the forecasts'): after each poll the loader
calls the services the announcements would have queued, in the same order, so each
game gets its forecast after every closed minute, its minute-18 forecast (claimed by
the poll as live) and its halftime and final outcomes as the night goes on. No PollRun
is written: the dashboard's current night stays what the poller last saw.

Idempotent: games already final are skipped, a prediction is made at most once.
Refused (``NightInUse``) for tonight's board's night or a night being replayed: loading it
would finish its games at once under the open dashboards, and the poller would then be
told, every poll, that those games went back from final.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from games import signals
from games.feed.archive import read_archive
from games.feed.parser import parse_scoreboard
from games.feed.replay import ReplayBoard, ReplayNight, ReplaySchedule
from games.feed.types import GameStatus
from games.lifecycle import UNFINISHED
from games.models import Board, Game, ReplayCursor
from games.services import ingest_scoreboard
from predictions.models import Prediction
from predictions.services import (
    Moment,
    PatternIncomplete,
    forecasts_moment,
    make_live_forecasts,
    make_prediction,
    record_outcomes,
)

logger = logging.getLogger(__name__)

# One game minute per poll with the live breaks: every minute is observed, none imputed.
SCHEDULE = ReplaySchedule(seconds_per_poll=60, break_polls=1, halftime_polls=2)
POLL_SECONDS = 10.0
TIP_OFF_UTC = dt.time(0, 0)  # first wave at 7 pm US Eastern (the next UTC day)


@dataclass
class LoadResult:
    nights: int = 0
    games_loaded: int = 0
    games_skipped: int = 0  # already final in the database
    polls: int = 0
    predictions: int = 0  # predictions of the range's games that exist afterwards


class NightInUse(ValueError):
    """A night that the poller is following (tonight's board, or a replay under way)."""


def check_nights_free(dates: list[dt.date]) -> None:
    """Raise ``NightInUse`` if one of ``dates`` is tonight's board's night or a night a
    replay has started and not finished (a replay abandoned for another night has only
    stale games left: loading finishes them)."""
    board = Board.current()
    for date in dates:
        if board is not None and board.date == date:
            raise NightInUse(
                f"{date} is tonight's board (the night the poller follows): load_nights would "
                "finish its games under the open dashboards. Leave that night out of "
                "--from/--to, or replay another night (REPLAY_DATE) first"
            )
        replaying = ReplayCursor.objects.filter(night=date).exists()
        unfinished = Game.objects.filter(game_date=date, status__in=UNFINISHED)
        if replaying and unfinished.exists():
            raise NightInUse(
                f"{date} is being replayed (its replay has unfinished games): load_nights "
                "would finish them at once. Leave that night out of --from/--to, or rewind "
                "the replay first (manage.py reset_replay)"
            )


def nights_in_archive(
    archive: Path, start: dt.date, end: dt.date
) -> dict[dt.date, list[dict[str, Any]]]:
    nights: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for line in read_archive(archive, start, end):
        nights[dt.date.fromisoformat(line["date"])].append(line)
    return dict(sorted(nights.items()))


def load_night(date: dt.date, lines: list[dict[str, Any]], result: LoadResult) -> None:
    """Play one night's games that are not final yet through the poll's ingest service."""
    final = set(
        Game.objects.filter(
            pk__in=[line["game_id"] for line in lines], status=GameStatus.FINAL
        ).values_list("pk", flat=True)
    )
    todo = [line for line in lines if line["game_id"] not in final]
    result.games_skipped += len(lines) - len(todo)
    if todo:
        night = ReplayNight.from_dict({"date": date.isoformat(), "games": todo})
        board = ReplayBoard(night, SCHEDULE, POLL_SECONDS)
        started = dt.datetime.combine(date + dt.timedelta(days=1), TIP_OFF_UTC, dt.UTC)
        for tick in range(board.last_tick() + 1):
            poll = ingest_scoreboard(parse_scoreboard(board.payload(tick, started)), announce=False)
            make_live_forecasts([Moment.of(g) for g in poll.changed if forecasts_moment(g)])
            for game_id in poll.predictions_queued:
                with contextlib.suppress(PatternIncomplete):
                    make_prediction(game_id)
            record_outcomes(poll.outcomes)
            result.polls += 1
        result.games_loaded += len(todo)
    for line in lines:  # a forecast the poll could not claim in time is made now
        if not Prediction.objects.filter(game_id=line["game_id"]).exists():
            with contextlib.suppress(PatternIncomplete):
                make_prediction(line["game_id"])
    result.nights += 1


def load_nights(
    nights: dict[dt.date, list[dict[str, Any]]],
    on_night: Callable[[dt.date, int], None] | None = None,
) -> LoadResult:
    """Load every game of ``nights`` (from ``nights_in_archive``), night by night,
    announcing nothing. Raises ``NightInUse`` (before loading anything) for a night the
    poller follows."""
    check_nights_free(list(nights))
    result = LoadResult()
    with signals.silenced():
        for date, lines in nights.items():
            load_night(date, lines, result)
            logger.info("%s: %d games", date, len(lines))
            if on_night is not None:
                on_night(date, len(lines))
    ids = [line["game_id"] for lines in nights.values() for line in lines]
    result.predictions = Prediction.objects.filter(game_id__in=ids).count()
    return result
