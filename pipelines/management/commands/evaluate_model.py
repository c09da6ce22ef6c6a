"""Score the shipped models on a directory of play-by-play parquet files."""

from __future__ import annotations

import json
import sys
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

        from pipelines.evaluation import render_markdown
        from pipelines.minute_report import reliability_svg, render_per_minute
        from pipelines.pbp_evaluation import evaluate_directory, seasons_in
        from predictions.registry import ArtifactMissing, load_minute_model, served_directory

        pbp: Path = options["pbp"]
        if not pbp.is_dir():
            raise CommandError(f"no directory {pbp}")
        seasons = options["season"] or seasons_in(pbp)
        if not seasons:
            raise CommandError(f"no *_YYYY_rs.parquet files in {pbp}")
        try:
            ensemble_dir = served_directory("ensemble")
        except ArtifactMissing as exc:
            raise CommandError(str(exc)) from exc
        history = options["history"] or Path(settings.HISTORY_FILE)
        wrap = partial(tqdm, disable=options["no_progress"], file=sys.stderr)
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
            title = f"Per-minute home win probability, {_label(seasons)}"
            options["svg"].write_text(reliability_svg(curves, title))
        if options["markdown"]:
            label = _label(seasons)
            head = render_markdown(report, result.ensemble_card)
            head = head.replace("test season 2024-25", label, 1).replace(
                "`python manage.py record_ensemble_test_metrics`",
                f"`{report['source']['command']}` ({report['runtime_seconds']} s on a shared "
                "2-core machine)",
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


def _label(seasons: list[int]) -> str:
    """[2025] -> "season 2024-25"."""
    names = ", ".join(f"{s - 1}-{str(s)[2:]}" for s in seasons)
    return ("season " if len(seasons) == 1 else "seasons ") + names
