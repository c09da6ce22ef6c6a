"""Build the per-game minute table from nba_api's stats endpoints (needs internet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Fetch seasons' games (LeagueGameFinder) and play-by-play (PlayByPlayV3) and write "
        "minute rows in the layout of data/minute_history.csv.gz."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--season", type=int, action="append", required=True,
            help="season END year, e.g. 2025 for 2024-25 (repeatable)",
        )  # fmt: skip
        parser.add_argument("--out", type=Path, required=True, help="output .csv.gz")
        parser.add_argument("--delay", type=float, default=0.6, help="seconds between requests")
        parser.add_argument(
            "--limit", type=int, default=None, help="at most this many games a season"
        )
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        from pipelines.backfill import backfill_rows, write_rows

        try:
            rows = backfill_rows(
                options["season"],
                progress=self.stdout.write,
                delay=options["delay"],
                limit=options["limit"],
                timeout=options["timeout"],
            )
        except OSError as exc:  # requests' errors are OSErrors: no network, refused, ...
            raise CommandError(f"backfill failed: {exc}") from exc
        write_rows(rows, options["out"])
        self.stdout.write(self.style.SUCCESS(f"wrote {len(rows)} rows to {options['out']}"))
