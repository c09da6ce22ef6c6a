"""Build the replay's play archive (every play of a season, or of some nights) from the
play-by-play parquet directory in ``../shared``."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.paths import DEFAULT_PBP_DIR


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Command(BaseCommand):
    help = (
        "Derive the replay's play archive: one gzip JSON file per night "
        "(YYYY-MM-DD.json.gz) with every play in the live feed's vocabulary, index.json and "
        "PROVENANCE.md. Default: the whole 2024-25 regular season into data/plays_2024-25."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, default=DEFAULT_PBP_DIR)
        parser.add_argument("--season", type=int, default=2025, help="END year (2025 = 2024-25)")
        parser.add_argument(
            "--date", type=_date, action="append", default=None, help="only this night (repeat)"
        )
        parser.add_argument("--start", type=_date, default=None, help="first night")
        parser.add_argument("--end", type=_date, default=None, help="last night")
        parser.add_argument(
            "--out", type=Path, default=None, help="default data/plays_<season>, e.g. 2024-25"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from pipelines.play_archive import (
            build_nights,
            read_season_rows,
            season_directory_name,
            write_index,
            write_provenance,
        )

        started = time.perf_counter()
        season: int = options["season"]
        pbp: Path = options["pbp"]
        if not pbp.is_dir():
            raise CommandError(f"no play-by-play directory at {pbp}")
        out: Path = options["out"] or Path("data") / season_directory_name(season)
        events = read_season_rows(pbp, season)
        dates = self._dates(events, options)
        result = build_nights(events, out, dates)
        if not result.nights:
            raise CommandError("no games on the requested dates")
        write_index(out, result.nights, season)
        provenance = write_provenance(out, season, options_text(options))
        seconds = time.perf_counter() - started
        games = sum(len(n["games"]) for n in result.nights.values())
        size = sum(n["bytes"] for n in result.nights.values())
        self.stdout.write(
            f"{len(result.nights)} nights, {games} games, {result.report.actions} actions, "
            f"{size / 1e6:.1f} MB -> {out} ({provenance.name}); {seconds:.0f} s"
        )

    @staticmethod
    def _dates(events: Any, options: dict[str, Any]) -> set[dt.date] | None:
        wanted: list[dt.date] | None = options["date"]
        start, end = options["start"], options["end"]
        if wanted is None and start is None and end is None:
            return None
        days = {dt.datetime.strptime(str(d), "%Y%m%d").date() for d in events["date"].unique()}
        chosen = set(wanted or ())
        if start is not None or end is not None:
            chosen |= {
                d for d in days if (start is None or d >= start) and (end is None or d <= end)
            }
        missing = sorted(d for d in chosen if d not in days)
        if missing:
            raise CommandError(f"no games on {', '.join(d.isoformat() for d in missing)}")
        return chosen


def options_text(options: dict[str, Any]) -> str:
    """The command line that rebuilds the output (for PROVENANCE.md)."""
    parts = ["python manage.py build_play_archive", f"--season {options['season']}"]
    for day in options["date"] or ():
        parts.append(f"--date {day.isoformat()}")
    if options["start"]:
        parts.append(f"--start {options['start'].isoformat()}")
    if options["end"]:
        parts.append(f"--end {options['end'].isoformat()}")
    return " ".join(parts)
