"""Build (and cache) the second-resolution game states of a play-by-play directory."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pipelines.paths import DEFAULT_CACHE, DEFAULT_PBP_DIR


class Command(BaseCommand):
    help = (
        "Fold every game of a play-by-play parquet directory into states sampled every 10 s "
        "and at every scoring play; cache them as .npz outside the repository."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, default=DEFAULT_PBP_DIR)
        parser.add_argument("--season", type=int, action="append", default=None)
        parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from functools import partial

        from tqdm import tqdm

        from pipelines.directory import directory_files
        from pipelines.state_dataset import load_tables

        started = time.perf_counter()
        seasons = options["season"] or sorted({s for s, _ in directory_files(options["pbp"])})
        wrap = partial(tqdm, disable=options["no_progress"], file=sys.stderr, unit="game")
        table = load_tables(options["pbp"], seasons, options["cache"], wrap)
        self.stdout.write(
            f"{len(table.games)} games, {len(table)} states, seasons {seasons}, "
            f"cache {options['cache']} ({time.perf_counter() - started:.0f} s)"
        )
