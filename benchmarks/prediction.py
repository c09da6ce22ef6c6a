"""(d) prediction: make_prediction (DB read + forecast + write) against forecast() alone."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import reset_data, summary, use_layer


def bench_prediction(quick: bool) -> dict[str, Any]:
    from django.utils import timezone

    from games.models import Game, MinuteDifferential
    from predictions.registry import GameContext, load_forecaster
    from predictions.services import make_prediction

    games = 200 if quick else 1000
    use_layer("redis")
    reset_data()
    now = timezone.now()
    rows: list[Game] = []
    minutes: list[MinuteDifferential] = []
    for g in range(games + 1):
        game = Game(
            game_id=f"00299{g:05d}",
            game_date=now.date(),
            home_team_id=1,
            home_tricode="AAA",
            home_city="A",
            home_name="A",
            away_team_id=2,
            away_tricode="BBB",
            away_city="B",
            away_name="B",
            status=2,
            period=2,
            elapsed_seconds=1090,
            home_score=40 + g % 9,
            away_score=38,
            last_closed_minute=18,
            observed=True,
            home_wins=20 + g % 7,
            home_losses=20,
            away_wins=25,
            away_losses=15 + g % 5,
        )
        rows.append(game)
        running = 0
        for m in range(1, 19):
            running += (g * 7 + m * 3) % 5 - 2
            minutes.append(
                MinuteDifferential(
                    game=game,
                    minute=m,
                    home_score=2 * m + max(running, 0),
                    away_score=2 * m + max(-running, 0),
                    differential=running,
                    closed_at=now,
                )
            )
    Game.objects.bulk_create(rows)
    MinuteDifferential.objects.bulk_create(minutes)
    forecaster = load_forecaster()
    make_prediction(rows[-1].game_id)  # warm: the model is loaded, code paths are hot
    total: list[float] = []
    for game in rows[:-1]:
        start = time.perf_counter()
        make_prediction(game.game_id)
        total.append((time.perf_counter() - start) * 1000)
    patterns = [[m.differential for m in minutes[i * 18 : (i + 1) * 18]] for i in range(games)]
    bare: list[float] = []
    for game, pattern in zip(rows, patterns, strict=False):
        context = GameContext(game.home_wins, game.home_losses, game.away_wins, game.away_losses)
        start = time.perf_counter()
        forecaster.forecast(pattern, context)
        bare.append((time.perf_counter() - start) * 1000)
    reset_data()
    return {
        "games": games,
        "forecaster": {"name": forecaster.name, "version": forecaster.version},
        "make_prediction_ms": summary(total),
        "forecast_only_ms": summary(bare),
    }
