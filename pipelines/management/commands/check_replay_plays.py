"""How closely the replay's derived play-by-play and box scores match the recorded games."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipelines.replay_check import LIVE_SAMPLES


class Command(BaseCommand):
    help = (
        "Compare the payloads games.feed.replay_plays derives from the play archive with the "
        "real PlayByPlay / BoxScore payloads of the 60 recorded games (read from ../shared, "
        "extracted to a temporary folder only) and print the agreement figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--samples", type=Path, default=LIVE_SAMPLES)
        parser.add_argument("--plays", type=Path, default=Path("data/plays_2024-25"))
        parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")

    def handle(self, *args: Any, **options: Any) -> None:
        from games.feed.replay_plays import game_dates, load_night
        from pipelines.replay_check import agreement, read_recorded_games

        samples: Path = options["samples"]
        if not samples.is_file():
            raise CommandError(f"no live samples at {samples}")
        plays: Path = options["plays"]
        recorded = read_recorded_games(samples)
        wanted = {r.game_id for r in recorded}
        dates = game_dates(plays)
        games = {}
        for day in sorted({dates[g] for g in wanted if g in dates}):
            for game in load_night(day, plays).games:
                if game.game_id in wanted:
                    games[game.game_id] = game
        comparison, missing = agreement(games, recorded)
        if missing:
            raise CommandError(f"the archive lacks {len(missing)} recorded games: {missing[:5]}")
        result = comparison.as_dict()
        text = json.dumps(result, indent=1, ensure_ascii=False)
        if options["out"]:
            options["out"].write_text(text + "\n")
        for name in (
            "final_score",
            "running_score",
            "scoring_sequence_games",
            "scoring_plays",
            "possession",
            "possession_source_rows",
            "line_score",
            "minutes_within_tolerance",
            "plus_minus_within_2_points",
        ):
            row = result[name]
            self.stdout.write(f"{name}: {100 * row['rate']:.2f} % of {row['total']}")
        for section in ("team_statistics", "player_statistics"):
            below = {k: v["rate"] for k, v in result[section].items() if v["rate"] < 1}
            self.stdout.write(f"{section} below 100 %: {below}")
        self.stdout.write(f"time_actual: {result['time_actual']}")
