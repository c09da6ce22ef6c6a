"""Shared benchmark plumbing: environment defaults, statistics, processes, Django, data.

Importing this module sets the benchmark environment defaults (BENCH_ENV,
DJANGO_SETTINGS_MODULE) before anything imports Django; every other benchmarks module
imports it first.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import resource
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/livescores_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "CHANNEL_LAYER_PREFIX": "livescores-bench",
    "DATABASE_CONN_MAX_AGE": "600",
    "LOG_LEVEL": "warning",
    "FEED": "replay",
}
for _key, _value in BENCH_ENV.items():
    os.environ.setdefault(_key, _value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")

SLATE = 15
SEED_BUDGET_MS = {"parse": 20.0, "buffer": 5.0, "emit": 5.0}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p95": round(pct(values, 95), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat):
    busy is everything but idle and I/O wait, whoever's process it was."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return (total - values[3] - values[4]) / tick, total / tick


def raise_nofile() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def bench_args(doc: str, quick: str) -> argparse.Namespace:
    """The standalone benchmarks' command line: ``--quick`` (what it shortens) and
    ``--no-write``, then Django set up on the benchmark database."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    setup_django()
    return args


def setup_django() -> None:
    import environ
    import psycopg
    from psycopg import sql

    cfg = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"], user=cfg["USER"], dbname="postgres", autocommit=True
    ) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reset_data() -> None:
    from games.models import Game, PollRun

    Game.objects.all().delete()
    PollRun.objects.all().delete()


def slate_payload(minute: float, offset: int = 0) -> dict[str, Any]:
    from support.payloads import at_minute, board

    games = [
        at_minute(
            minute, int(minute * 2) + i % 3, int(minute * 2), game_id=f"00224{offset + i:05d}"
        )
        for i in range(SLATE)
    ]
    return board(*games)


def slate_states(minute: float) -> list[dict[str, Any]]:
    """The slate's games as the payload builder sends them (elapsed in game seconds)."""
    from games.feed.parser import parse_scoreboard
    from games.models import Game
    from realtime.payloads import game_payload

    board = parse_scoreboard(slate_payload(minute))
    games = []
    for state in board.games:
        game = Game.from_state(state, dt.date(2023, 4, 20))
        game.observe(state)
        games.append({**game_payload(game), "elapsed": state.elapsed})
    return games


def use_layer(kind: str) -> None:
    """Point this process's channel layer at the core (list) or pub/sub backend, with the
    Redis client options the servers use (realtime/channel_layers.py)."""
    from channels.layers import channel_layers
    from django.conf import settings

    from realtime.channel_layers import layer_settings

    layer = layer_settings(kind, settings.REDIS_URL, prefix="livescores-bench")
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()


@contextlib.contextmanager
def timed_emit(sink: list[float]) -> Iterator[None]:
    """Time realtime.broadcast.send_now (the after-commit group sends) into ``sink``."""
    from realtime import broadcast

    real = broadcast.send_now

    def timed(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
        start = time.perf_counter()
        real(batches)
        sink.append((time.perf_counter() - start) * 1000)

    broadcast.send_now = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        broadcast.send_now = real  # type: ignore[assignment]


def no_forecast_queue() -> None:
    from predictions import receivers

    receivers.queue_prediction = lambda game_id: None  # measured in its own benchmark
