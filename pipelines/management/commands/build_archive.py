"""Build data/timelines_2024-25.jsonl.gz (score-change timeline of every game) + provenance."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from games.feed.archive import (
    ARCHIVE_SEASON,
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_LICENSE_COMMIT,
    SOURCE_PATH,
    SOURCE_REPO,
)
from pipelines.archive import archive_line, write_archive
from pipelines.history import DEFAULT_PBP_DIR, load_season_games
from pipelines.management.commands.build_dataset import _ProgressStream, provenance_path, sha256_of

logger = logging.getLogger(__name__)


def provenance_text(out: Path, lines: list[dict[str, Any]], season: int) -> str:
    dates = sorted({line["date"] for line in lines})
    overtime = sum(1 for line in lines if line["periods"] > 4)
    changes = sum(len(line["events"]) for line in lines)
    label = f"{season - 1}-{season % 100}"
    table = [
        ("source repo", f"`{SOURCE_REPO}` (GitHub), branch `{SOURCE_BRANCH}`"),
        ("source commit", f"`{SOURCE_COMMIT}`"),
        ("source files", f"`{SOURCE_PATH}`, season {season} (END year: {label})"),
        (
            "license",
            f"{SOURCE_LICENSE} (LICENSE on branch `main`, commit `{SOURCE_LICENSE_COMMIT}`)",
        ),
        ("terms", "NBA.com terms of use apply to the underlying numbers"),
        ("original feed", "NBA.com liveData play-by-play (`playbyplay_00{gameId}.json`)"),
        (
            "derived by",
            f"`python manage.py build_archive --season {season}` (`pipelines/archive.py`)",
        ),
        ("games", f"{len(lines)} ({overtime} with overtime), {len(dates)} dates"),
        ("dates", f"{dates[0]} .. {dates[-1]}" if dates else "-"),
        ("score changes", f"{changes}"),
        ("size", f"{out.stat().st_size:,} bytes"),
        ("sha256", f"`{sha256_of(out)}`"),
    ]
    lines_md = [f"# {out.name} — provenance", "", "| item | value |", "| --- | --- |"]
    lines_md += [f"| {item} | {value} |" for item, value in table]
    return "\n".join(lines_md) + "\n" + _DERIVATION


_DERIVATION = """
Format: gzip, one JSON object per line and game, ordered by date then `game_id`:

```
{"game_id": "0022400001", "date": "2024-10-22", "season": 2025, "start_time": null,
 "home": {"team_id": ..., "tricode": ..., "city": ..., "name": ..., "wins": 0, "losses": 0},
 "away": {...}, "periods": 4, "final": [home, away],
 "events": [[elapsed, home, away], ...]}
```

`wins`/`losses` are the record BEFORE the game; `start_time` is null (tip-off times are
not in the source; the replay schedules tip-offs itself). `events` are the score changes:
elapsed game seconds (regulation periods 720 s, overtime 300 s; period and clock follow
from it through `games.clock`) and the score after the change. A game's line without
`date`, `season`, `start_time` and `final` is exactly a game of `data/replay_night.json`,
so `REPLAY_DATE` plays a night from here through the same `ReplayNight.from_dict` path.

How it was derived (the same steps as `data/minute_history.csv.gz`, `pipelines/history.py`):

1. All `*_YYYY_rs.parquet` files of the season are concatenated (each game is in both
   teams' files) and deduplicated on `(game_id, actionNumber)`. The raw parquet is not copied.
2. Elapsed game seconds come from `period` + `clock` via `games.clock`.
   `minutes_left_in_game` is wrong in the source and never used.
3. Events are ordered by elapsed time, then `actionNumber`; scores are the running maximum
   of `scoreHome` / `scoreAway` (rows at the same clock sometimes carry a stale score);
   only rows that change the score are kept.
4. The home team is the one whose made-shot points (3pt=3, 2pt=2, freethrow=1) equal the
   final `scoreHome`. Team ids, cities and names come from `nba_api`'s static team list.
5. Records before the game are each team's wins/losses within its season, from the final
   scores in date order; games on the same date do not count towards each other.
"""


class Command(BaseCommand):
    help = "Build the season archive of score-change timelines from the historical play-by-play."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp-dir", type=Path, default=None, help="parquet directory")
        parser.add_argument("--season", type=int, default=ARCHIVE_SEASON, help="season END year")
        parser.add_argument("--out", type=Path, default=None, help="default: REPLAY_ARCHIVE")

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        pbp_dir: Path = (options["pbp_dir"] or base / DEFAULT_PBP_DIR).resolve()
        out: Path = options["out"] or settings.REPLAY_ARCHIVE
        out = out if out.is_absolute() else base / out
        season: int = options["season"]

        games = load_season_games(pbp_dir, [season])
        progress = tqdm(games, unit="game", file=_ProgressStream(self.stderr), mininterval=0.5)
        lines = [archive_line(game) for game in progress]
        write_archive(lines, out)
        provenance_path(out).write_text(provenance_text(out, lines, season), encoding="utf-8")
        logger.info("wrote %d games to %s", len(lines), out)
        self.stdout.write(f"{len(lines)} games -> {out} ({out.stat().st_size:,} bytes)")
