"""The season archive, built: every game's score-change timeline, one JSON line per game.

``data/timelines_2024-25.jsonl.gz`` is derived from the historical play-by-play by
``python manage.py build_archive`` (``pipelines.history``: deduplicated events, running
maximum of the scores, home team from made-shot points). Each line is the object the
replay night file holds for a game (``export_replay_night``) plus its date, season and
final score, so a night read from the archive is played by ``ReplayNight.from_dict``
exactly like ``data/replay_night.json``.

Reading it is the serving side's (``games.feed.archive``, standard library only).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipelines.history import HistoricalGame, replay_team, score_changes

logger = logging.getLogger(__name__)


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
