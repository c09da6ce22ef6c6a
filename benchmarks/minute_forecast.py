"""Per-minute forecast cost for a 15-game slate, and whether queueing it moves ingest.

    .venv/bin/python -m benchmarks.minute_forecast            # ~2 min on 2 cores
    .venv/bin/python -m benchmarks.minute_forecast --quick

(1) ``predictions.services.forecast_minute`` for every game of a 15-game live
slate after each of minutes 1..47: read the game's minutes so far (and, once per game
and process, the season's results of both teams), the served minute model's forecast,
then bump the game's seq (locking its row), insert the row and commit: p50/p95 per game
and overall ("forecast + DB"). The push that follows the commit (``forecast.update`` to
the scoreboard group with 100 idle members and to the game's group) is timed apart and
also reported with everything ("with push"). Baseline: ``MinuteModel.forecast()`` alone
on the same states. Goal: p95 <= 5 ms a game for forecast + DB write.

(2) Ingest (benchmarks/ingest.py, 15-game poll, list layer) with the per-minute task
wired (each poll's ``minutes_closed`` receiver publishes one Celery message; no worker
runs, so only the poll's own cost is measured) and without it, alternately in one run.

Same database (livescores_bench) and Redis DB 14 as benchmarks.run. Writes
benchmarks/results/minute_forecast.json. Figures, not tests: nothing asserts a target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from typing import Any

from benchmarks.common import (
    ROOT,
    SLATE,
    no_forecast_queue,
    reset_data,
    setup_django,
    slate_payload,
    summary,
    timed_emit,
    use_layer,
)
from benchmarks.ingest import ingest_polls

RESULTS = ROOT / "benchmarks" / "results" / "minute_forecast.json"
GOAL_P95_MS = 5.0
LAST_MINUTE = 47


def _no_minute_queue() -> None:
    from predictions import receivers

    receivers.queue_minute_forecasts = lambda closed: None  # type: ignore[assignment]


def _wire_minute_queue(real: Any) -> None:
    from predictions import receivers

    receivers.queue_minute_forecasts = real


def _play_slate() -> list[str]:
    """The slate's 15 games through minute 47, every minute closed (no forecasts queued)."""
    from django.db import transaction

    from games.feed.parser import parse_scoreboard
    from games.services import ingest_scoreboard

    reset_data()
    for minute in range(LAST_MINUTE + 1):
        with transaction.atomic():
            ingest_scoreboard(parse_scoreboard(slate_payload(minute + 0.5)))
    board = parse_scoreboard(slate_payload(0.5))
    return [state.game_id for state in board.games]


def bench_forecasts(rounds: int) -> dict[str, Any]:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from forecasting.minute_model import MinuteState
    from games.models import Game, MinuteDifferential
    from games.redis_client import get_redis
    from predictions.models import MinuteForecast
    from predictions.registry import load_minute_model
    from predictions.services import forecast_minute, team_strengths
    from realtime import messages

    use_layer("redis")
    get_redis().flushdb()
    layer = get_channel_layer()

    async def join() -> None:  # idle "clients" in the scoreboard group, as in production
        for i in range(100):
            await layer.group_add(messages.SCOREBOARD_GROUP, f"livescores-bench.idle!{i}")

    game_ids = _play_slate()
    model = load_minute_model()
    per_game: dict[str, list[float]] = {game_id: [] for game_id in game_ids}
    with_push: list[float] = []
    pushes: list[float] = []
    with timed_emit(pushes):
        for _ in range(rounds):
            MinuteForecast.objects.all().delete()
            get_redis().flushdb()
            async_to_sync(join)()
            forecast_minute(game_ids[0], 1)  # warm: the model is loaded, code paths are hot
            MinuteForecast.objects.all().delete()
            for minute in range(1, LAST_MINUTE + 1):  # the slate's games, minute after minute
                for game_id in game_ids:
                    before = len(pushes)
                    start = time.perf_counter()
                    made = forecast_minute(game_id, minute)
                    total = (time.perf_counter() - start) * 1000
                    assert made is not None and len(pushes) == before + 1
                    with_push.append(total)
                    per_game[game_id].append(total - pushes[-1])  # forecast + DB, no push
    stored = MinuteForecast.objects.count()
    assert stored == SLATE * LAST_MINUTE, stored

    bare: list[float] = []  # the model alone, on the same states
    for game_id in game_ids:
        game = Game.objects.get(pk=game_id)
        home, away = team_strengths(game)
        series = tuple(
            MinuteDifferential.objects.filter(game_id=game_id)
            .order_by("minute")
            .values_list("differential", flat=True)
        )
        for minute in range(1, LAST_MINUTE + 1):
            state = MinuteState(minute, series[:minute], home, away)
            start = time.perf_counter()
            model.forecast(state)
            bare.append((time.perf_counter() - start) * 1000)
    get_redis().flushdb()
    reset_data()
    everything = [ms for values in per_game.values() for ms in values]
    games = {game_id: summary(values) for game_id, values in per_game.items()}
    worst = max(stats["p95"] for stats in games.values())
    return {
        "games": SLATE,
        "minutes": LAST_MINUTE,
        "rounds": rounds,
        "model_version": model.version,
        "per_game_ms": games,
        "all_ms": summary(everything),
        "with_push_ms": summary(with_push),
        "push_ms": summary(pushes[1:]),
        "worst_game_p95_ms": worst,
        "model_forecast_only_ms": summary(bare),
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": worst <= GOAL_P95_MS,
    }


def bench_ingest_alternating(polls: int, rounds: int) -> dict[str, Any]:
    from predictions import receivers

    real = receivers.queue_minute_forecasts
    no_forecast_queue()  # the minute-18 task is measured in benchmarks/prediction.py
    _no_minute_queue()
    ingest_polls(20, "redis", 0)  # warm-up
    runs: dict[str, list[dict[str, Any]]] = {"without": [], "wired": []}
    for _ in range(rounds):
        for variant in ("without", "wired"):
            if variant == "wired":
                _wire_minute_queue(real)
            else:
                _no_minute_queue()
            runs[variant].append(ingest_polls(polls, "redis", 100)["total_ms"])
    _wire_minute_queue(real)
    closed = {f"00224{i:05d}": [20] for i in range(SLATE)}
    queue_ms: list[float] = []  # what wiring adds to a poll: one broker message, after commit
    for _ in range(polls):
        start = time.perf_counter()
        real(closed)
        queue_ms.append((time.perf_counter() - start) * 1000)
    return {
        "queue_one_poll_ms": summary(queue_ms),
        "polls_per_run": polls,
        "order": "without, wired, without, wired, ...",
        "runs": runs,
        "p95_ms": {variant: [r["p95"] for r in results] for variant, results in runs.items()},
        "p50_ms": {variant: [r["p50"] for r in results] for variant, results in runs.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    setup_django()
    forecasts = bench_forecasts(rounds=1 if args.quick else 3)
    ingest = bench_ingest_alternating(
        polls=60 if args.quick else 200, rounds=2 if args.quick else 3
    )
    meta = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "command": "python -m benchmarks.minute_forecast" + (" --quick" if args.quick else ""),
    }
    queue = ingest["queue_one_poll_ms"]
    lines = [
        f"per-minute forecast, {SLATE} games x minutes 1-{LAST_MINUTE} x {forecasts['rounds']} "
        f"rounds, model {forecasts['model_version']} (DB reads + forecast + write):",
        *(
            f"  game {game_id}: p50 {stats['p50']:.3f} ms  p95 {stats['p95']:.3f} ms"
            for game_id, stats in forecasts["per_game_ms"].items()
        ),
        f"  all: p50 {forecasts['all_ms']['p50']:.3f} ms  p95 {forecasts['all_ms']['p95']:.3f} ms;"
        f" worst game p95 {forecasts['worst_game_p95_ms']:.3f} ms"
        f" (goal <= {GOAL_P95_MS} ms: {'met' if forecasts['goal_met'] else 'missed'})",
        f"  with the push after commit: p50 {forecasts['with_push_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['with_push_ms']['p95']:.3f} ms (push alone p95"
        f" {forecasts['push_ms']['p95']:.3f} ms)",
        f"  model.forecast() alone: p50 {forecasts['model_forecast_only_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['model_forecast_only_ms']['p95']:.3f} ms",
        f"ingest, 15-game poll, list layer, {ingest['polls_per_run']} polls a run, alternately:",
        *(
            f"  {variant:8s} p50 {ingest['p50_ms'][variant]}  p95 {ingest['p95_ms'][variant]} ms"
            for variant in ("without", "wired")
        ),
        f"  queueing one poll's task (the receiver alone): p50 {queue['p50']:.3f} ms"
        f"  p95 {queue['p95']:.3f} ms",
    ]
    print("\n".join(lines))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            json.dumps({"meta": meta, "forecast": forecasts, "ingest": ingest}, indent=2) + "\n"
        )
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
