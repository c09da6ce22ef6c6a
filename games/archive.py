"""The season archive: every game's score-change timeline, one JSON line per game.

``data/timelines_2024-25.jsonl.gz`` is derived from the historical play-by-play by
``python manage.py build_archive`` (``games.history``: deduplicated events, running
maximum of the scores, home team from made-shot points). Each line is the object the
replay night file holds for a game (``export_replay_night``) plus its date, season and
final score, so a night read from the archive is played by ``ReplayNight.from_dict``
exactly like ``data/replay_night.json``.

Reading needs only the standard library (no pandas): the replay feed and the loader
read the archive at run time.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from games.history import (
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_PATH,
    SOURCE_REPO,
    HistoricalGame,
    replay_team,
    score_changes,
)

logger = logging.getLogger(__name__)

ARCHIVE_SEASON = 2025  # END year: 2024-25


class ArchiveError(ValueError):
    """The archive has no games for the requested date, or is not readable."""


def archive_line(game: HistoricalGame) -> dict[str, Any]:
    """One game of the archive: identity, records before it, final, score changes."""
    return {
        "game_id": game.game_id,
        "date": game.date.isoformat(),
        "season": game.season,
        "start_time": None,  # tip-off times are not in the source
        "home": replay_team(game.home),
        "away": replay_team(game.away),
        "periods": game.periods,
        "final": [game.final_home, game.final_away],
        "events": score_changes(game.states),
    }


def write_archive(lines: Iterable[dict[str, Any]], out: Path) -> int:
    """Write game lines as gzip JSON lines (mtime 0: the same input gives the same bytes)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=9) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as text,
    ):
        for line in lines:
            text.write(json.dumps(line, separators=(",", ":")) + "\n")
            count += 1
    return count


def read_archive(
    path: Path, start: dt.date | None = None, end: dt.date | None = None
) -> Iterator[dict[str, Any]]:
    """The archive's games with ``start <= date <= end`` (either bound optional), in file
    order (date, then game id)."""
    if not path.is_file():
        raise ArchiveError(f"no archive at {path} (build it: python manage.py build_archive)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for text in handle:
            line: dict[str, Any] = json.loads(text)
            day = dt.date.fromisoformat(line["date"])
            if (start is None or day >= start) and (end is None or day <= end):
                yield line


def archive_dates(path: Path) -> list[dt.date]:
    """Every date with at least one game, in order."""
    return sorted({dt.date.fromisoformat(line["date"]) for line in read_archive(path)})


def replay_night_from_archive(path: Path, date: dt.date) -> dict[str, Any]:
    """One night in the layout of ``data/replay_night.json`` (for ``ReplayNight.from_dict``)."""
    games = sorted(read_archive(path, date, date), key=lambda line: line["game_id"])
    if not games:
        raise ArchiveError(
            f"no games on {date.isoformat()} in {path.name} "
            "(the archive holds the 2024-25 regular season, 2024-10-22..2025-04-13)"
        )
    return {
        "provenance": {
            "source": (
                f"GitHub {SOURCE_REPO} (branch {SOURCE_BRANCH}), "
                f"{SOURCE_PATH.replace('{TEAM}', '*').replace('{YYYY}', str(ARCHIVE_SEASON))}; "
                "NBA.com liveData play-by-play"
            ),
            "commit": SOURCE_COMMIT,
            "license": SOURCE_LICENSE,
            "derived_by": f"{path.name}, night {date.isoformat()}",
            "note": "tip-off times are not in the source; the replay schedules tip-offs itself",
        },
        "date": date.isoformat(),
        "games": [
            {key: line[key] for key in ("game_id", "home", "away", "periods", "events")}
            for line in games
        ],
    }
