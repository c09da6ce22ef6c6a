"""Fit the state model on 2021-22 + 2022-23, choose and calibrate on 2023-24."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.paths import DEFAULT_CACHE, DEFAULT_PBP_DIR


class Command(BaseCommand):
    help = (
        "Train the state-aware win-probability / final-margin model from a play-by-play "
        "directory; write predictions/artifacts/<version>/state_model.json (+ trees .npz) "
        "and point predictions/artifacts/STATE_LATEST at it. Never reads 2024-25."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, default=DEFAULT_PBP_DIR)
        parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
        parser.add_argument("--out", type=Path, default=None, help="artifacts root")
        parser.add_argument("--no-latest", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from functools import partial

        from tqdm import tqdm

        from pipelines.state_artifacts import provenance
        from pipelines.state_dataset import load_tables
        from pipelines.state_training import CALIBRATION_SEASONS, TRAIN_SEASONS, train_state_model
        from predictions.registry import ARTIFACTS_DIR, set_served

        started = time.perf_counter()
        seasons = list(TRAIN_SEASONS + CALIBRATION_SEASONS)
        wrap = partial(tqdm, disable=options["no_progress"], file=sys.stderr, unit="game")
        try:
            table = load_tables(options["pbp"], seasons, options["cache"], wrap, parts=("rs",))
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        root: Path = options["out"] or ARTIFACTS_DIR
        model, directory = train_state_model(
            table, provenance(options["pbp"], seasons), root, progress=self.stdout.write
        )
        if not options["no_latest"]:
            set_served("state", model.version, root)
        self.stdout.write(
            self.style.SUCCESS(
                f"{model.version} in {directory} ({time.perf_counter() - started:.0f} s)"
            )
        )
