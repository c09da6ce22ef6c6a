"""Score the shipped models on a directory of play-by-play parquet files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.paths import DEFAULT_CACHE

MODELS = ("ensemble", "minute", "state")


class Command(BaseCommand):
    help = (
        "Score the served models — the minute-18 ensemble (halftime and final sections), the "
        "per-minute model (per_minute) and the state model (state_model: minutes 1-47, every "
        "10 s, the last 3 minutes, against Stern and two logistics) — on a directory of "
        "{TEAM}_{YYYY}_rs.parquet (and playoff _ps) play-by-play files; refuse a directory "
        "missing files its games need. Writes --out (JSON), optionally Markdown and a "
        "reliability SVG. No torch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pbp", type=Path, required=True, help="parquet directory")
        parser.add_argument("--out", type=Path, required=True, help="report JSON")
        parser.add_argument(
            "--season", type=int, action="append", default=None,
            help="season END year to score (repeatable; default: every season in --pbp)",
        )  # fmt: skip
        parser.add_argument(
            "--models", default=",".join(MODELS),
            help=f"which to score, comma-separated of {', '.join(MODELS)} (default: all)",
        )  # fmt: skip
        parser.add_argument(
            "--allow-incomplete", action="store_true",
            help="score a directory that misses some teams' files (with a warning)",
        )  # fmt: skip
        parser.add_argument("--history", type=Path, default=None, help="minute table (training)")
        parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="state tables")
        parser.add_argument("--markdown", type=Path, default=None, help="also write Markdown")
        parser.add_argument("--svg", type=Path, default=None, help="also write the SVG diagram")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from functools import partial

        from tqdm import tqdm

        from pipelines.directory import IncompleteDirectory, require_whole, seasons_in

        pbp: Path = options["pbp"]
        if not pbp.is_dir():
            raise CommandError(f"no directory {pbp}")
        models = [m for m in options["models"].split(",") if m]
        unknown = sorted(set(models) - set(MODELS))
        if unknown or not models:
            raise CommandError(f"--models: {', '.join(unknown) or 'none'}; choose from {MODELS}")
        seasons = options["season"] or seasons_in(pbp)
        if not seasons:
            raise CommandError(f"no *_YYYY_rs.parquet or *_YYYY_ps.parquet files in {pbp}")
        try:
            check = require_whole(pbp, seasons, options["allow_incomplete"])
        except IncompleteDirectory as exc:
            raise CommandError(str(exc)) from exc
        for problem in check.problems:
            self.stderr.write(self.style.WARNING(f"incomplete directory: {problem}"))
        wrap = partial(tqdm, disable=options["no_progress"], file=sys.stderr)
        report: dict[str, Any] = {}
        markdown: list[str] = []
        try:
            if "ensemble" in models or "minute" in models:
                report, text = self._ensemble_and_minute(pbp, seasons, options, wrap)
                markdown.append(text)
            if "state" in models:
                report["state_model"], text = self._state(pbp, seasons, options, wrap)
                markdown.append(text)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report["directory"] = {
            "seasons": seasons,
            "incomplete": list(check.problems),
            "parts": [
                {
                    "season": p.season,
                    "part": p.part,
                    "games": p.games,
                    "teams": len(p.teams_with_files),
                }
                for p in check.parts
            ],
        }
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")
        if options["markdown"]:
            warning = (
                [f"**Incomplete directory:** {p}\n" for p in check.problems]
                if check.problems
                else []
            )
            options["markdown"].write_text("\n".join([*warning, *markdown]))
        self.stdout.write(self.style.SUCCESS(f"wrote {out}"))

    def _ensemble_and_minute(
        self, pbp: Path, seasons: list[int], options: dict[str, Any], wrap: Any
    ) -> tuple[dict[str, Any], str]:
        from pipelines.evaluation import render_markdown
        from pipelines.minute_report import reliability_svg, render_per_minute
        from pipelines.pbp_evaluation import evaluate_directory
        from predictions.registry import ArtifactMissing, load_minute_model, served_directory

        try:
            ensemble_dir = served_directory("ensemble")
        except ArtifactMissing as exc:
            raise CommandError(str(exc)) from exc
        history = options["history"] or Path(settings.HISTORY_FILE)
        result = evaluate_directory(pbp, seasons, history, ensemble_dir, load_minute_model(), wrap)
        report = result.report
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
        label = _label(seasons)
        head = render_markdown(report, result.ensemble_card)
        head = head.replace(
            "# Model report: minute-18 forecasts, test season 2024-25",
            f"# Model report, {label}\n\nEvery shipped model scored on the same games: the "
            "minute-18 ensemble (halftime and final margin), the per-minute model, and the "
            "state model (its own section at the end).\n\n## Minute-18 ensemble",
            1,
        ).replace(
            "`python manage.py record_ensemble_test_metrics`",
            f"`{report['source']['command']}` ({report['runtime_seconds']} s on a shared "
            "2-core machine)",
        )
        self.stdout.write(
            "per-minute mean Brier (1-47): "
            + ", ".join(f"{k} {v:.5f}" for k, v in pm["mean_brier"].items())
        )
        for name, met in pm["targets"].items():
            self.stdout.write(f"  target {name}: {met}")
        return report, head + "\n" + render_per_minute(pm, result.minute_card, svg_name)

    def _state(
        self, pbp: Path, seasons: list[int], options: dict[str, Any], wrap: Any
    ) -> tuple[dict[str, Any], str]:
        from forecasting.state_model import StateModel
        from pipelines.state_evaluation import evaluate_directory
        from pipelines.state_report import render
        from predictions.registry import ArtifactMissing, served_directory

        try:
            model = StateModel.load(served_directory("state"))
        except ArtifactMissing as exc:
            raise CommandError(f"{exc}: run manage.py train_state_model") from exc
        report = evaluate_directory(
            model, pbp, seasons, options["cache"], partial_unit(wrap), reproduce=True
        )
        report["source"]["command"] = (
            "python manage.py evaluate_model --pbp DIR --out FILE"
            + "".join(f" --season {s}" for s in seasons)
        )
        for name, section in report["protocols"].items():
            self.stdout.write(
                f"state model, {name}: "
                + ", ".join(f"{k} {v:.5f}" for k, v in section["brier"].items())
            )
        for name, target in report["targets"].items():
            self.stdout.write(f"  target {name}: {target['met']}")
        # One level down: the state model is a section of the one model report.
        text = "\n".join(
            f"#{line}" if line.startswith("#") else line
            for line in render(report, model.card).split("\n")
        )
        return report, text


def partial_unit(wrap: Any) -> Any:
    def wrapped(iterable: Any, **kwargs: Any) -> Any:
        return wrap(iterable, unit="game", **kwargs)

    return wrapped


def _label(seasons: list[int]) -> str:
    """[2025] -> "season 2024-25"."""
    names = ", ".join(f"{s - 1}-{str(s)[2:]}" for s in seasons)
    return ("season " if len(seasons) == 1 else "seasons ") + names
