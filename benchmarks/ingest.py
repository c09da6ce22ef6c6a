"""(a) ingest: a 15-game poll through parse, persist and emit, against a raw COPY."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from benchmarks.common import (
    SEED_BUDGET_MS,
    SLATE,
    no_forecast_queue,
    reset_data,
    slate_payload,
    summary,
    timed_emit,
    use_layer,
)


def ingest_polls(polls: int, layer: str, members: int) -> dict[str, Any]:
    """Poll a 15-game slate ``polls`` times, each poll closing a minute of every game."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.db import transaction

    from games.feed.parser import parse_scoreboard
    from games.redis_client import get_redis
    from games.services import ingest_scoreboard
    from realtime import messages

    use_layer(layer)
    reset_data()
    get_redis().flushdb()
    channel_layer = get_channel_layer()

    async def join() -> None:  # idle "clients" in the scoreboard group, as in production
        for i in range(members):
            await channel_layer.group_add(messages.SCOREBOARD_GROUP, f"livescores-bench.idle!{i}")

    if layer == "redis":
        async_to_sync(join)()
    parse_ms: list[float] = []
    persist_ms: list[float] = []
    emit_ms: list[float] = []
    total_ms: list[float] = []
    with timed_emit(emit_ms):
        for i in range(polls):
            minute = 1.5 + i % 40
            if i % 40 == 0 and i:
                reset_data()
            if layer == "redis" and i % 20 == 19:  # drop what idle members never read
                get_redis().flushdb()
                async_to_sync(join)()
            payload = slate_payload(minute)
            start = time.perf_counter()
            board = parse_scoreboard(payload)
            parsed = time.perf_counter()
            before = len(emit_ms)
            with transaction.atomic():
                ingest_scoreboard(board)
                written = time.perf_counter()
            done = time.perf_counter()
            assert len(emit_ms) == before + 1
            parse_ms.append((parsed - start) * 1000)
            persist_ms.append((written - parsed) * 1000)
            total_ms.append((done - start) * 1000)
    get_redis().flushdb()
    return {
        "layer": layer,
        "idle_members": members if layer == "redis" else "n/a (pub/sub)",
        "total_ms": summary(total_ms),
        "parse_ms": summary(parse_ms),
        "persist_ms": summary(persist_ms),
        "emit_ms": summary(emit_ms),
    }


def copy_baseline(polls: int) -> dict[str, Any]:
    """The raw floor: one psycopg COPY of a poll's rows (15 snapshots + 15 minutes)."""
    from django.db import connection, transaction

    connection.ensure_connection()
    now = dt.datetime.now(dt.UTC)
    rows: list[tuple[Any, ...]] = [
        (f"00224{i:05d}", now, 2, "Q2", 2, 300.0, 1020.0, 40 + i, 38, 17, 2) for i in range(SLATE)
    ]
    rows += [(f"00224{i:05d}", now, 0, "", 0, None, 0.0, 40 + i, 38, 17, 2) for i in range(SLATE)]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_copy (game_id text, at timestamptz, status int,"
            " text text, period int, clock float8, elapsed float8, home int, away int,"
            " minute int, differential int)"
        )
    times: list[float] = []
    raw = connection.connection
    for _ in range(polls):
        start = time.perf_counter()
        with (
            transaction.atomic(),
            raw.cursor() as cursor,
            cursor.copy("COPY bench_copy FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        times.append((time.perf_counter() - start) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return {"total_ms": summary(times), "rows_per_poll": len(rows)}


def bench_ingest(quick: bool) -> dict[str, Any]:
    polls = 60 if quick else 200
    no_forecast_queue()
    ingest_polls(20, "redis", 0)  # warm-up: connections, code paths
    results = {
        "polls": polls,
        "redis_layer": ingest_polls(polls, "redis", 100),
        "pubsub_layer": ingest_polls(polls, "pubsub", 0),
        "copy_baseline": copy_baseline(polls),
        "seed_budget_ms": SEED_BUDGET_MS,
    }
    use_layer("redis")
    return results
