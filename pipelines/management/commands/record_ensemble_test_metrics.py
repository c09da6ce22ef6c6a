"""Score the served ensemble on the minute table's test season (2024-25) and record the
test metrics on its model card.

(``evaluate_model`` scores every shipped model on a play-by-play directory and writes
docs/model-report.*; this one reads the shipped minute table and writes the card: it is
run once per trained ensemble.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from predictions.registry import ARTIFACTS_DIR, served_version


class Command(BaseCommand):
    help = (
        "Score the served ensemble on 2024-25 from the minute table and record test_metrics "
        "on its card (docs/model-report.* is evaluate_model's)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", type=Path, default=None)
        parser.add_argument(
            "--model-version", default=None, help="artifact version (default: LATEST)"
        )
        parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        from forecasting.ensemble import EnsembleForecaster
        from pipelines.evaluation import evaluate, record_test_metrics

        version = options["model_version"] or served_version("ensemble", options["artifacts"])
        if version is None:
            raise CommandError("no trained artifact: run train_models first")
        directory = options["artifacts"] / version
        history = options["history"] or Path(settings.HISTORY_FILE)
        self.stdout.write(f"evaluating {version} on the test season from {history} ...")
        report = evaluate(EnsembleForecaster.load(directory), history)
        card = record_test_metrics(report, directory)
        h = report["halftime"]
        self.stdout.write(
            f"halftime MAE: ensemble {h['mae']['ensemble']:.3f}, B0 {h['mae']['B0']:.3f}, "
            f"B1 {h['mae']['B1']:.3f}, B2 {h['mae']['B2']:.3f}"
        )
        for name, met in report["targets"].items():
            self.stdout.write(f"  target {name}: {met}")
        self.stdout.write(self.style.SUCCESS(f"recorded test_metrics in {card}"))
