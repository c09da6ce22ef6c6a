"""Live forecast cost for a 15-game slate, and whether queueing it moves ingest.

    .venv/bin/python -m benchmarks.live_forecast            # ~2 min on 2 cores
    .venv/bin/python -m benchmarks.live_forecast --quick

(1) ``predictions.services.make_live_forecast`` for every game of a 15-game live slate at
each state its polls committed (one poll per game minute, minutes 0.5..47.5): the state
model's input from the state (and, once per game and process, the pre-game strength and
rest from the season's results), the served state model's forecast, then bump the game's
seq (locking its row), insert the row and commit: p50/p95 per game and overall
("forecast + DB"). The push that follows the commit (``forecast.update`` to the
scoreboard group with 100 idle members) is timed apart and also reported with
everything ("with push"). Baseline: ``StateModel.forecast()`` alone on the same states.
Goal (issue 18): p95 <= 5 ms a game for forecast + DB write.

(2) Ingest (benchmarks/ingest.py, 15-game poll, list layer) with the live-forecast task
wired (each poll's ``game_states_changed`` receiver publishes one Celery message; no
worker runs, so only the poll's own cost is measured) and without it, alternately in one
run.

Same database (livescores_bench) and Redis DB 14 as benchmarks.run. Writes
benchmarks/results/live_forecast.json. Figures, not tests: nothing asserts a target.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import platform
import sys
import time
from typing import Any

from benchmarks.common import (
    ROOT,
    SLATE,
    bench_args,
    no_forecast_queue,
    reset_data,
    slate_payload,
    summary,
    timed_emit,
    use_layer,
)
from benchmarks.ingest import ingest_polls

RESULTS = ROOT / "benchmarks" / "results" / "live_forecast.json"
GOAL_P95_MS = 5.0
LAST_MINUTE = 47


def _no_live_queue() -> None:
    from predictions import receivers

    receivers.queue_live_forecasts = lambda games: None  # type: ignore[assignment]


def _wire_live_queue(real: Any) -> None:
    from predictions import receivers

    receivers.queue_live_forecasts = real


def _play_slate() -> list[str]:
    """The slate's 15 games through minute 47, one poll a minute (no forecasts queued)."""
    from django.db import transaction

    from games.feed.parser import parse_scoreboard
    from games.services import ingest_scoreboard

    reset_data()
    for minute in range(LAST_MINUTE + 1):
        with transaction.atomic():
            ingest_scoreboard(parse_scoreboard(slate_payload(minute + 0.5)))
    board = parse_scoreboard(slate_payload(0.5))
    return [state.game_id for state in board.games]


def _moments(game_ids: list[str]) -> dict[str, list[Any]]:
    """Every state the slate's polls committed (their snapshots), per game, in game order."""
    from games.models import Game, Snapshot
    from predictions.services import Moment

    games = {game.pk: game for game in Game.objects.filter(pk__in=game_ids)}
    moments: dict[str, list[Any]] = {game_id: [] for game_id in game_ids}
    for row in Snapshot.objects.filter(game_id__in=game_ids, period__gte=1).order_by(
        "game_id", "elapsed_seconds", "id"
    ):
        game = games[row.game_id]
        moments[row.game_id].append(
            Moment(
                game_id=row.game_id,
                game_date=game.game_date,
                home_team_id=game.home_team_id,
                away_team_id=game.away_team_id,
                period=row.period,
                clock_seconds=row.clock_seconds,
                elapsed_seconds=float(row.elapsed_seconds),
                home_score=row.home_score,
                away_score=row.away_score,
                final=False,
            )
        )
    return moments


def bench_forecasts(rounds: int) -> dict[str, Any]:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from games.redis_client import get_redis
    from predictions import services
    from predictions.models import LiveForecast
    from predictions.registry import load_state_model
    from predictions.services import game_state, make_live_forecast, make_live_forecasts
    from realtime import messages

    use_layer("redis")
    get_redis().flushdb()
    layer = get_channel_layer()

    async def join() -> None:  # idle "clients" in the scoreboard group, as in production
        for i in range(100):
            await layer.group_add(messages.SCOREBOARD_GROUP, f"livescores-bench.idle!{i}")

    game_ids = _play_slate()
    moments = _moments(game_ids)
    states = max(len(m) for m in moments.values())
    model = load_state_model()
    per_game: dict[str, list[float]] = {game_id: [] for game_id in game_ids}
    with_push: list[float] = []
    pushes: list[float] = []
    with timed_emit(pushes):
        for _ in range(rounds):
            LiveForecast.objects.all().delete()
            services.pregame.cache_clear()  # each round pays the once-per-game reads again
            get_redis().flushdb()
            async_to_sync(join)()
            make_live_forecast(moments[game_ids[0]][0])  # warm: the model is loaded
            LiveForecast.objects.all().delete()
            for step in range(states):  # the slate's games, state after state
                for game_id in game_ids:
                    if step >= len(moments[game_id]):
                        continue
                    before = len(pushes)
                    start = time.perf_counter()
                    made = make_live_forecast(moments[game_id][step])
                    total = (time.perf_counter() - start) * 1000
                    assert made is not None and len(pushes) == before + 1
                    with_push.append(total)
                    per_game[game_id].append(total - pushes[-1])  # forecast + DB, no push
    stored = LiveForecast.objects.count()
    assert stored == sum(len(m) for m in moments.values()), stored

    # As the task runs them: one poll's 15 states in one transaction (one commit); each
    # game's share is the batch's time without its pushes, divided by the batch's games.
    batched: list[float] = []
    with timed_emit(pushes):
        for _ in range(rounds):
            LiveForecast.objects.all().delete()
            services.pregame.cache_clear()
            get_redis().flushdb()
            async_to_sync(join)()
            for step in range(states):
                batch = [moments[g][step] for g in game_ids if step < len(moments[g])]
                before = len(pushes)
                start = time.perf_counter()
                new = make_live_forecasts(batch)
                total = (time.perf_counter() - start) * 1000
                assert new == len(batch) and len(pushes) == before + len(batch)
                batched.append((total - sum(pushes[before:])) / len(batch))

    bare: list[float] = []  # the model alone, on the same states
    for game_id in game_ids:
        for moment in moments[game_id]:
            state = game_state(moment)
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
        "states_per_game": states,
        "rounds": rounds,
        "model_version": model.version,
        "per_game_ms": games,
        "all_ms": summary(everything),
        "with_push_ms": summary(with_push),
        "push_ms": summary(pushes[1:]),
        "worst_game_p95_ms": worst,
        "batched_per_game_ms": summary(batched),
        "model_forecast_only_ms": summary(bare),
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met_alone": worst <= GOAL_P95_MS,
        "goal_met_batched": summary(batched)["p95"] <= GOAL_P95_MS,
    }


def bench_plays_state(rounds: int) -> dict[str, Any]:
    """``games.plays.plays_at`` (the game state the stored plays give at a moment) at one
    moment a game minute - the last play of each minute, where the plays have caught up
    - over the three recorded games of tests/fixtures/live_pbp (real live play-by-play,
    overtime included), as a live game gives it: before each minute's call the plays up
    to that minute are ingested (not timed), so each call folds the new plays on to the
    process's kept fold ("new plays"); then the same moments again with nothing new
    ("unchanged"). This is what the live forecast adds to a game's state once its plays
    are stored; the slate above has none stored."""
    from games import plays as kept
    from games.feed.playbyplay import parse_playbyplay
    from games.models import Game, Play
    from games.play_services import ingest_plays
    from games.plays import plays_at
    from support.live_pbp import GAMES, LIVE_PBP, home_away, raw_actions

    new_ms: list[float] = []
    unchanged_ms: list[float] = []
    known = calls = 0
    for _ in range(rounds):
        reset_data()
        kept._folds.clear()
        for game_id, day in GAMES.items():
            (home_id, home_code), (away_id, away_code) = home_away(raw_actions(game_id))
            Game.objects.create(
                game_id=game_id,
                game_date=day,
                home_team_id=home_id,
                home_tricode=home_code,
                away_team_id=away_id,
                away_tricode=away_code,
            )
            with gzip.open(LIVE_PBP / f"{game_id}_playbyplay.json.gz", "rt") as handle:
                rows = parse_playbyplay(json.load(handle))[1]
            by_minute: dict[int, int] = {}  # minute -> rows up to its last play
            for count, row in enumerate(rows, start=1):
                if row.clock_seconds is not None:
                    by_minute[int(row.elapsed // 60)] = count
            moments = []
            for count in by_minute.values():
                ingest_plays(game_id, rows[:count])
                play = Play.objects.filter(
                    game_id=game_id, action_number=rows[count - 1].action_number
                ).get()
                moment = (
                    play.period,
                    play.clock_seconds or 0.0,
                    (play.score_home, play.score_away),
                )
                moments.append(moment)
                start = time.perf_counter()
                at = plays_at(game_id, home_id, away_id, *moment)
                new_ms.append((time.perf_counter() - start) * 1000)
                known += at is not None
                calls += 1
            for moment in moments:
                start = time.perf_counter()
                plays_at(game_id, home_id, away_id, *moment)
                unchanged_ms.append((time.perf_counter() - start) * 1000)
    reset_data()
    return {
        "games": len(GAMES),
        "moments": calls // rounds,
        "rounds": rounds,
        "known_share": round(known / calls, 3),
        "plays_at_ms": summary(new_ms),
        "plays_at_unchanged_ms": summary(unchanged_ms),
    }


def bench_ingest_alternating(polls: int, rounds: int) -> dict[str, Any]:
    from games.models import Game
    from predictions import receivers

    real = receivers.queue_live_forecasts
    no_forecast_queue()  # the minute-18 task is measured in benchmarks/prediction.py
    _no_live_queue()
    ingest_polls(20, "redis", 0)  # warm-up
    runs: dict[str, list[dict[str, Any]]] = {"without": [], "wired": []}
    for _ in range(rounds):
        for variant in ("without", "wired"):
            if variant == "wired":
                _wire_live_queue(real)
            else:
                _no_live_queue()
            runs[variant].append(ingest_polls(polls, "redis", 100)["total_ms"])
    _play_slate()  # a live slate to queue (nothing is queued while it plays)
    _no_live_queue()
    live = list(Game.objects.all())
    _wire_live_queue(real)
    queue_ms: list[float] = []  # what wiring adds to a poll: one broker message, after commit
    for _ in range(polls):
        start = time.perf_counter()
        real(live)
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
    args = bench_args(__doc__ or "", "smaller counts (a smoke run)")
    forecasts = bench_forecasts(rounds=1 if args.quick else 3)
    plays_state = bench_plays_state(rounds=1 if args.quick else 3)
    ingest = bench_ingest_alternating(
        polls=60 if args.quick else 200, rounds=2 if args.quick else 3
    )
    meta = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "command": "python -m benchmarks.live_forecast" + (" --quick" if args.quick else ""),
    }
    queue = ingest["queue_one_poll_ms"]
    lines = [
        f"live forecast, {SLATE} games x {forecasts['states_per_game']} states x "
        f"{forecasts['rounds']} rounds, model {forecasts['model_version']}"
        " (pre-game reads once a game + forecast + write):",
        *(
            f"  game {game_id}: p50 {stats['p50']:.3f} ms  p95 {stats['p95']:.3f} ms"
            for game_id, stats in forecasts["per_game_ms"].items()
        ),
        f"  all, one transaction a game: p50 {forecasts['all_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['all_ms']['p95']:.3f} ms; worst game p95"
        f" {forecasts['worst_game_p95_ms']:.3f} ms (goal <= {GOAL_P95_MS} ms:"
        f" {'met' if forecasts['goal_met_alone'] else 'missed'})",
        f"  as the task runs them, a poll's games in one transaction, per game:"
        f" p50 {forecasts['batched_per_game_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['batched_per_game_ms']['p95']:.3f} ms (goal <= {GOAL_P95_MS} ms:"
        f" {'met' if forecasts['goal_met_batched'] else 'missed'})",
        f"  with the push after commit: p50 {forecasts['with_push_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['with_push_ms']['p95']:.3f} ms (push alone p95"
        f" {forecasts['push_ms']['p95']:.3f} ms)",
        f"  model.forecast() alone: p50 {forecasts['model_forecast_only_ms']['p50']:.3f} ms"
        f"  p95 {forecasts['model_forecast_only_ms']['p95']:.3f} ms",
        f"  the plays' state at a moment (games.plays.plays_at, {plays_state['moments']}"
        f" moments of {plays_state['games']} recorded games x {plays_state['rounds']}):"
        f" new plays since the last call: p50 {plays_state['plays_at_ms']['p50']:.3f} ms"
        f"  p95 {plays_state['plays_at_ms']['p95']:.3f} ms; unchanged:"
        f" p50 {plays_state['plays_at_unchanged_ms']['p50']:.3f} ms"
        f"  p95 {plays_state['plays_at_unchanged_ms']['p95']:.3f} ms"
        f" (known at {plays_state['known_share']:.0%} of them)",
        f"  a game with its plays stored, as the task runs it: batched p95 + plays_at p95 ="
        f" {forecasts['batched_per_game_ms']['p95'] + plays_state['plays_at_ms']['p95']:.3f} ms"
        f" (goal <= {GOAL_P95_MS} ms)",
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
            json.dumps(
                {"meta": meta, "forecast": forecasts, "plays_state": plays_state, "ingest": ingest},
                indent=2,
            )
            + "\n"
        )
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
