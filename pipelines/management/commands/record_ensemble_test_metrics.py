"""Score the served ensemble on the minute table's test season (2024-25), record the
test metrics on its model card and write the halftime part of docs/model-report.*.

(``evaluate_model`` scores every shipped model on a play-by-play directory; this one
reads the shipped minute table, and writes the card: it is run once per trained
ensemble.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from predictions.registry import ARTIFACTS_DIR, served_version


class Command(BaseCommand):
    help = (
        "Score the served ensemble on 2024-25 from the minute table; record test_metrics on "
        "its card and write the halftime part of docs/model-report.{md,json}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", type=Path, default=None)
        parser.add_argument(
            "--model-version", default=None, help="artifact version (default: LATEST)"
        )
        parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)
        parser.add_argument("--docs", type=Path, default=Path(settings.BASE_DIR) / "docs")

    def handle(self, *args: Any, **options: Any) -> None:
        from forecasting.ensemble import EnsembleForecaster
        from pipelines.evaluation import evaluate, write_report

        version = options["model_version"] or served_version("ensemble", options["artifacts"])
        if version is None:
            raise CommandError("no trained artifact: run train_models first")
        directory = options["artifacts"] / version
        history = options["history"] or Path(settings.HISTORY_FILE)
        self.stdout.write(f"evaluating {version} on the test season from {history} ...")
        report = evaluate(EnsembleForecaster.load(directory), history)
        md, js = write_report(report, directory, options["docs"])
        h = report["halftime"]
        self.stdout.write(
            f"halftime MAE: ensemble {h['mae']['ensemble']:.3f}, B0 {h['mae']['B0']:.3f}, "
            f"B1 {h['mae']['B1']:.3f}, B2 {h['mae']['B2']:.3f}"
        )
        for name, met in report["targets"].items():
            self.stdout.write(f"  target {name}: {met}")
        self.stdout.write(self.style.SUCCESS(f"wrote {md} and {js}"))
