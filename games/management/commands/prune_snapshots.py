from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from games.retention import count_older, prune


class Command(BaseCommand):
    help = (
        "Delete polled snapshots, plays (and poll runs) older than N days, in small batches. "
        "Games, minute differentials and predictions are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, required=True, metavar="N")
        parser.add_argument("--keep-poll-runs", action="store_true", help="prune snapshots only")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        if days < 1:
            raise CommandError("--older-than-days must be at least 1")
        if options["dry_run"]:
            counts = count_older(days)
            if options["keep_poll_runs"]:
                counts.pop("poll_runs")
            verb = "would delete"
        else:
            counts = prune(days, poll_runs=not options["keep_poll_runs"])
            verb = "deleted"
        summary = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items())
        self.stdout.write(f"{verb} {summary} older than {days} days")
