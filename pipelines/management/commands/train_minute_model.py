"""Fit the per-minute model on 2021-22 + 2022-23, choose and calibrate on 2023-24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from predictions.registry import ARTIFACTS_DIR


class Command(BaseCommand):
    help = (
        "Train the per-minute win-probability / final-margin model (numpy only) and write "
        "predictions/artifacts/<version>/minute_model.json (+ MINUTE_LATEST)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", type=Path, default=None, help="minute table (.csv.gz)")
        parser.add_argument("--out", type=Path, default=ARTIFACTS_DIR, help="artifacts root")

    def handle(self, *args: Any, **options: Any) -> None:
        from pipelines.minute_training import train_minute_model

        history = options["history"] or Path(settings.HISTORY_FILE)
        if not history.is_file():
            raise CommandError(f"no minute table at {history}")
        model, _ = train_minute_model(history, root=options["out"], progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"trained {model.version}"))
