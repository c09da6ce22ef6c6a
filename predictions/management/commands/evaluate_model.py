"""Score the shipped models on a directory of play-by-play parquet files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Evaluate the served minute-18 ensemble and the per-minute model on a directory of "
        "{TEAM}_{YYYY}_rs.parquet play-by-play files; write halftime, final and per_minute "
        "sections to --out (JSON), optionally Markdown and a reliability SVG. No torch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, required=True, help="parquet directory")
        parser.add_argument("--out", type=Path, required=True, help="report JSON")
        parser.add_argument(
            "--season", type=int, action="append", default=None,
            help="season END year to score (repeatable; default: every season in --pbp)",
        )  # fmt: skip
        parser.add_argument("--history", type=Path, default=None, help="minute table (training)")
        parser.add_argument("--markdown", type=Path, default=None, help="also write Markdown")
        parser.add_argument("--svg", type=Path, default=None, help="also write the SVG diagram")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from functools import partial

        from tqdm import tqdm

        from predictions.evaluation import render_markdown
        from predictions.minute_model import load_minute_model
        from predictions.minute_report import reliability_svg, render_per_minute
        from predictions.pbp_evaluation import evaluate_directory, seasons_in
        from predictions.registry import served_artifact

        pbp: Path = options["pbp"]
        if not pbp.is_dir():
            raise CommandError(f"no directory {pbp}")
        seasons = options["season"] or seasons_in(pbp)
        if not seasons:
            raise CommandError(f"no *_YYYY_rs.parquet files in {pbp}")
        ensemble_dir = served_artifact()
        if ensemble_dir is None:
            raise CommandError("no shipped ensemble artifact (predictions/artifacts/LATEST)")
        history = options["history"] or Path(settings.HISTORY_FILE)
        wrap = partial(tqdm, disable=options["no_progress"], file=self.stderr._out)
        try:
            result = evaluate_directory(
                pbp, seasons, history, ensemble_dir, load_minute_model(), wrap
            )
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report = result.report
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")
        pm = report["per_minute"]
        svg_name = options["svg"].name if options["svg"] else "reliability.svg"
        if options["svg"]:
            curves = {
                "model": pm["reliability"]["bins"],
                "strength_logistic": pm["reliability_baselines"]["strength_logistic"]["bins"],
                "stern": pm["reliability_baselines"]["stern"]["bins"],
            }
            title = f"Reliability, per-minute home win probability, season(s) {seasons}"
            options["svg"].write_text(reliability_svg(curves, title))
        if options["markdown"]:
            label = ", ".join(f"{s - 1}-{str(s)[2:]}" for s in seasons)
            head = render_markdown(report, result.ensemble_card)
            head = head.replace("test season 2024-25", f"season {label}", 1).replace(
                "`python manage.py evaluate_models`",
                f"`python manage.py evaluate_model --pbp DIR` ({report['runtime_seconds']} s)",
            )
            md = head + "\n" + render_per_minute(pm, result.minute_card, svg_name)
            options["markdown"].write_text(md)
        self.stdout.write(
            "per-minute mean Brier (1-47): "
            + ", ".join(f"{k} {v:.5f}" for k, v in pm["mean_brier"].items())
        )
        for name, met in pm["targets"].items():
            self.stdout.write(f"  target {name}: {met}")
        self.stdout.write(self.style.SUCCESS(f"wrote {out} in {report['runtime_seconds']} s"))
