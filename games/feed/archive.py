"""The season archive, read: every game's score-change timeline, one JSON line per game.

``data/timelines_2024-25.jsonl.gz`` is built offline from the historical play-by-play
(``pipelines.archive``, ``python manage.py build_archive``). Each line is the object
the replay night file holds for a game plus its date, season and final score, so a
night read from the archive is played by ``ReplayNight.from_dict`` exactly like
``data/replay_night.json``. Reading needs only the standard library: the replay feed
and ``load_nights`` read the archive at run time.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Where the archive's play-by-play comes from (quoted in every night's provenance).
SOURCE_REPO = "gabriel1200/playbyplay"
SOURCE_BRANCH = "master"
SOURCE_COMMIT = "00f6327c01d9da34f6a74e9efd5479fcccebcf02"
SOURCE_PATH = "organized_data/regular_season/{TEAM}_{YYYY}_rs.parquet"
SOURCE_LICENSE = "MIT"
SOURCE_LICENSE_COMMIT = "471ca944467a4af13b948299b33703cb16168543"  # LICENSE on branch main

ARCHIVE_SEASON = 2025  # END year: 2024-25


class ArchiveError(ValueError):
    """The archive has no games for the requested date, or is not readable."""


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
