"""Train Dejavu, the LSTM, the ensemble and its calibration; write the artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from predictions.registry import ARTIFACTS_DIR


class Command(BaseCommand):
    help = (
        "Train the minute-18 models on 2021-22 + 2022-23, fit the ensemble and calibrate on "
        "2023-24, and write predictions/artifacts/<version>/ (needs the [train] extra: torch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", type=Path, default=None, help="minute table (.csv.gz)")
        parser.add_argument("--seed", type=int, default=20250)
        parser.add_argument("--out", type=Path, default=ARTIFACTS_DIR, help="artifacts root")
        parser.add_argument(
            "--no-latest", action="store_true", help="do not point LATEST at the new version"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from pipelines.lstm_training import torch_available

        if not torch_available():
            raise CommandError("training needs PyTorch: pip install -e '.[train]'")
        from pipelines.ensemble_training import train_all

        history = options["history"] or Path(settings.HISTORY_FILE)
        if not history.is_file():
            raise CommandError(f"no minute table at {history}")
        result = train_all(
            history,
            seed=options["seed"],
            root=options["out"],
            progress=self.stdout.write,
            make_latest=not options["no_latest"],
        )
        size = sum(p.stat().st_size for p in result.directory.iterdir())
        self.stdout.write(
            self.style.SUCCESS(
                f"trained {result.version}: {result.directory} ({size / 1024:.0f} KiB)"
            )
        )
