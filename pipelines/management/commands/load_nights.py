"""Load finished nights of the 2024-25 archive into the database (nights and accuracy pages)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from games.feed.archive import ArchiveError
from pipelines.load_nights import NightInUse, check_nights_free, load_nights, nights_in_archive
from pipelines.management.commands.build_dataset import _ProgressStream

# Per-poll and per-forecast INFO lines would bury the progress bar (shown with -v 2).
CHATTY_LOGGERS = ("games.services", "predictions.services", "predictions.registry")


@contextlib.contextmanager
def _quiet(verbosity: int) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    if verbosity < 2:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Play the archive's games of a date range through the poll's ingest service "
        "(games, snapshots, minutes, final state, minute-18 forecasts and their outcomes). "
        "Re-running skips games already final."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="start", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD"
        )
        parser.add_argument(
            "--to", dest="end", type=dt.date.fromisoformat, default=None,
            help="YYYY-MM-DD, inclusive (default: --from)",
        )  # fmt: skip
        parser.add_argument("--archive", type=Path, default=None, help="default: REPLAY_ARCHIVE")

    def handle(self, *args: Any, **options: Any) -> None:
        start: dt.date = options["start"]
        end: dt.date = options["end"] or start
        archive: Path = options["archive"] or settings.REPLAY_ARCHIVE
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        try:
            nights = nights_in_archive(archive, start, end)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(len(lines) for lines in nights.values())
        if not total:
            raise CommandError(f"no games from {start} to {end} in {archive.name}")
        try:
            check_nights_free(list(nights))
        except NightInUse as exc:
            raise CommandError(str(exc)) from exc
        began = time.perf_counter()
        stream = _ProgressStream(self.stderr)
        with (
            _quiet(options["verbosity"]),
            tqdm(total=total, unit="game", file=stream, mininterval=0.5) as bar,
        ):

            def advance(date: dt.date, games: int) -> None:
                bar.set_postfix_str(date.isoformat())
                bar.update(games)

            result = load_nights(nights, on_night=advance)
        seconds = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"{start}..{end}: {result.nights} nights, {result.games_loaded} games loaded, "
                f"{result.games_skipped} already final, {result.predictions} with a forecast, "
                f"{result.polls} polls in {seconds:.1f} s"
            )
        )
