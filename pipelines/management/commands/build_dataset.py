"""Build data/minute_history.csv.gz (one row per historical game) and its provenance note."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from tqdm import tqdm

from games.feed.archive import (
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_LICENSE_COMMIT,
    SOURCE_PATH,
    SOURCE_REPO,
)
from games.minutes import HALFTIME_MINUTE
from pipelines.history import (
    DEFAULT_PBP_DIR,
    SEASONS,
    load_season_games,
    minute_row,
    write_minute_csv,
)

logger = logging.getLogger(__name__)


class _ProgressStream:
    """Lets tqdm draw on a command's OutputWrapper without it appending newlines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, ending="")

    def flush(self) -> None:
        self._wrapper.flush()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance_path(out: Path) -> Path:
    """data/minute_history.csv.gz -> data/minute_history.PROVENANCE.md"""
    stem = out.name.split(".", 1)[0]
    return out.with_name(f"{stem}.PROVENANCE.md")


def _minute_count(row: dict[str, Any]) -> int:
    return sum(1 for key in row if key.startswith("m") and key[1:].isdigit())


def provenance_text(out: Path, rows: list[dict[str, Any]], seasons: list[int]) -> str:
    overtime = sum(1 for row in rows if row["periods"] > 4)
    table = [
        ("source repo", f"`{SOURCE_REPO}` (GitHub), branch `{SOURCE_BRANCH}`"),
        ("source commit", f"`{SOURCE_COMMIT}`"),
        ("source files", f"`{SOURCE_PATH}`, seasons {', '.join(map(str, seasons))} (END year)"),
        (
            "license",
            f"{SOURCE_LICENSE} (LICENSE on branch `main`, commit `{SOURCE_LICENSE_COMMIT}`)",
        ),
        ("terms", "NBA.com terms of use apply to the underlying numbers"),
        ("original feed", "NBA.com liveData play-by-play (`playbyplay_00{gameId}.json`)"),
        ("derived by", "`python manage.py build_dataset` (`pipelines/history.py`)"),
        ("rows", f"{len(rows)} games ({overtime} with overtime)"),
        ("minute columns", f"`m1`..`m{max(map(_minute_count, rows))}`"),
        ("sha256", f"`{sha256_of(out)}`"),
    ]
    lines = [f"# {out.name} — provenance", "", "| item | value |", "| --- | --- |"]
    lines += [f"| {item} | {value} |" for item, value in table]
    return "\n".join(lines) + "\n" + _DERIVATION


_DERIVATION = f"""
Columns: `game_id`, `date`, `season` (END year), `home_tricode`, `away_tricode`,
`home_team_id`, `away_team_id`, `home_wins`, `home_losses`, `away_wins`, `away_losses`
(records BEFORE the game), `periods`, `final_home`, `final_away`, `halftime_diff`
(= `m{HALFTIME_MINUTE}`), `final_diff`, `m1`..`mN` (home minus away).

How it was derived:

1. All `*_YYYY_rs.parquet` files of a season are concatenated (each game is in both teams'
   files) and deduplicated on `(game_id, actionNumber)`.
2. Elapsed game seconds come from `period` + `clock` via `games.clock` (regulation periods
   720 s, overtime 300 s). `minutes_left_in_game` is wrong in the source and never used.
3. Events are ordered by elapsed time, then `actionNumber`; scores are the running maximum
   of `scoreHome` / `scoreAway` (rows at the same clock sometimes carry a stale score).
4. The home team is the one whose made-shot points (3pt=3, 2pt=2, freethrow=1) equal the
   final `scoreHome`. Team ids, cities and names come from `nba_api`'s static team list.
5. `mN` is the home-minus-away differential at elapsed time 60*N s (last state at or before
   it, 0-0 before the first), from `games.minutes.minute_series`, up to the end of the game
   (48, 53, 58, ... minutes); blank past the end of a shorter game.
6. Records before the game are each team's wins/losses within its season, from the final
   scores of that season's games in date order; games on the same date do not count
   towards each other.
"""


class Command(BaseCommand):
    help = "Build the minute-by-minute history dataset from the historical play-by-play parquet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp-dir", type=Path, default=None, help="parquet directory")
        parser.add_argument("--out", type=Path, default=Path("data/minute_history.csv.gz"))
        parser.add_argument(
            "--seasons", type=int, nargs="+", default=list(SEASONS), help="season END years"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        pbp_dir: Path = (options["pbp_dir"] or base / DEFAULT_PBP_DIR).resolve()
        out: Path = options["out"] if options["out"].is_absolute() else base / options["out"]
        seasons: list[int] = options["seasons"]

        games = load_season_games(pbp_dir, seasons)
        progress = tqdm(games, unit="game", file=_ProgressStream(self.stderr), mininterval=0.5)
        rows = [minute_row(game) for game in progress]
        write_minute_csv(rows, out)
        provenance_path(out).write_text(provenance_text(out, rows, seasons), encoding="utf-8")
        logger.info("wrote %d rows to %s", len(rows), out)
        self.stdout.write(f"{len(rows)} games -> {out} ({out.stat().st_size:,} bytes)")
