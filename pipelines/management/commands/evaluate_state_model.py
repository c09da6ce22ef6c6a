"""Score the state model on any play-by-play directory: report JSON (+ Markdown)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.paths import DEFAULT_CACHE


class Command(BaseCommand):
    help = (
        "Evaluate the state model (predictions/artifacts/STATE_LATEST, or --artifact) on a "
        "directory of {TEAM}_{YYYY}_{rs,ps}.parquet files: Brier over minutes 1-47, all "
        "states and the last 3 minutes against Stern and two logistics, reliability, final "
        "margin. Writes --out (JSON) and optionally --markdown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, required=True, help="parquet directory")
        parser.add_argument("--out", type=Path, required=True, help="report JSON")
        parser.add_argument("--season", type=int, action="append", default=None)
        parser.add_argument("--artifact", type=Path, default=None, help="model directory")
        parser.add_argument("--markdown", type=Path, default=None)
        parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
        parser.add_argument(
            "--no-reproduction", action="store_true",
            help="skip scoring today's minute model on the same rows (the harness check)",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from functools import partial

        from tqdm import tqdm

        from forecasting.state_model import StateModel
        from pipelines.state_evaluation import evaluate_directory
        from pipelines.state_report import render
        from predictions.registry import ArtifactMissing, served_directory

        pbp: Path = options["pbp"]
        if not pbp.is_dir():
            raise CommandError(f"no directory {pbp}")
        artifact = options["artifact"]
        if artifact is None:
            try:
                artifact = served_directory("state")
            except ArtifactMissing as exc:
                raise CommandError(f"{exc}: run manage.py train_state_model") from exc
        model = StateModel.load(artifact)
        wrap = partial(tqdm, disable=options["no_progress"], file=sys.stderr, unit="game")
        try:
            report = evaluate_directory(
                model,
                pbp,
                options["season"],
                options["cache"],
                wrap,
                reproduce=not options["no_reproduction"],
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")
        if options["markdown"]:
            options["markdown"].write_text(render(report, model.card))
        for name, section in report["protocols"].items():
            self.stdout.write(
                f"{name}: " + ", ".join(f"{k} {v:.5f}" for k, v in section["brier"].items())
            )
        for name, target in report["targets"].items():
            self.stdout.write(f"  target {name}: {target['met']}")
        self.stdout.write(self.style.SUCCESS(f"wrote {out} in {report['runtime_seconds']} s"))
