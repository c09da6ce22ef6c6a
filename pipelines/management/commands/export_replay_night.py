"""Export one historical night as data/replay_night.json for the replay feed."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pipelines.history import DEFAULT_PBP_DIR, build_replay_night

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Export one night's games (score-change events) from the historical play-by-play."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
        parser.add_argument("--pbp-dir", type=Path, default=None, help="parquet directory")
        parser.add_argument("--out", type=Path, default=Path("data/replay_night.json"))

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        pbp_dir: Path = (options["pbp_dir"] or base / DEFAULT_PBP_DIR).resolve()
        out: Path = options["out"] if options["out"].is_absolute() else base / options["out"]

        night = build_replay_night(pbp_dir, options["date"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(night, separators=(",", ":")) + "\n", encoding="utf-8")
        logger.info("wrote %d games to %s", len(night["games"]), out)
        self.stdout.write(f"{night['date']}: {len(night['games'])} games -> {out}")
