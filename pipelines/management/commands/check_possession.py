"""Agreement of the fold's inferred possession with the live feed's ``possession`` field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.possession_check import LIVE_SAMPLES


class Command(BaseCommand):
    help = (
        "Fold the recorded live games (a tarball of games/{id}/{playbyplay,boxscore}.json, "
        "read in place and extracted to a temporary folder only) and report how often the "
        "inferred possession agrees with the feed's own possession field."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--samples", type=Path, default=LIVE_SAMPLES)
        parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")

    def handle(self, *args: Any, **options: Any) -> None:
        from pipelines.possession_check import agreement, read_live_games

        samples: Path = options["samples"]
        if not samples.is_file():
            raise CommandError(f"no live samples at {samples}")
        result = agreement(read_live_games(samples))
        text = json.dumps(result, indent=1)
        if options["out"]:
            options["out"].write_text(text + "\n")
        views = ("live_actions", "archive_actions", "live_instants", "archive_instants", "grid")
        for view in (*views, "bonus_vs_inpenalty_qualifier"):
            row = result[view]
            self.stdout.write(
                f"{view}: {100 * row['agreement']:.2f} % of {row['agree'] + row['disagree']} "
                f"({row['unknown']} unknown)"
            )
