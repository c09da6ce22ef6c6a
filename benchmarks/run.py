"""Benchmarks: ingest, delivery, capacity, prediction — each with a baseline from the same run.

    .venv/bin/python -m benchmarks.run            # everything (~3 min on 2 cores)
    .venv/bin/python -m benchmarks.run --only ingest,prediction --quick

Uses its own database (livescores_bench) and Redis DB 14; servers listen on loopback
only; every loop is bounded. Prints a table, writes benchmarks/results/latest.json and
the table in docs/performance.md. Figures, not tests: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
DOC = ROOT / "docs" / "performance.md"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def raise_nofile() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


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
    from tests.payloads import at_minute, board

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
    from games.payloads import game_payload

    board = parse_scoreboard(slate_payload(minute))
    games = []
    for state in board.games:
        game = Game.from_state(state, dt.date(2023, 4, 20))
        game.observe(state)
        games.append({**game_payload(game), "elapsed": state.elapsed})
    return games


def use_layer(kind: str) -> None:
    """Point this process's channel layer at the core (list) or pub/sub backend."""
    from channels.layers import channel_layers
    from django.conf import settings

    config: dict[str, Any] = {"hosts": [settings.REDIS_URL], "prefix": "livescores-bench"}
    if kind == "pubsub":
        backend = "channels_redis.pubsub.RedisPubSubChannelLayer"
    else:
        backend = "channels_redis.core.RedisChannelLayer"
        config.update(capacity=1000, expiry=30)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": config}}
    channel_layers.backends.clear()


@contextlib.contextmanager
def timed_emit(sink: list[float]) -> Iterator[None]:
    """Time games.events.send_now (the after-commit group sends) into ``sink``."""
    from games import events

    real = events.send_now

    def timed(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
        start = time.perf_counter()
        real(batches)
        sink.append((time.perf_counter() - start) * 1000)

    events.send_now = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        events.send_now = real  # type: ignore[assignment]


def no_forecast_queue() -> None:
    from games import services

    services.queue_prediction = lambda game_id: None  # measured in its own benchmark


# --- (a) ingest -----------------------------------------------------------------


def ingest_polls(polls: int, layer: str, members: int) -> dict[str, Any]:
    """Poll a 15-game slate ``polls`` times, each poll closing a minute of every game."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.db import transaction

    from games import events
    from games.feed.parser import parse_scoreboard
    from games.redis_client import get_redis
    from games.services import ingest_scoreboard

    use_layer(layer)
    reset_data()
    get_redis().flushdb()
    channel_layer = get_channel_layer()

    async def join() -> None:  # idle "clients" in the scoreboard group, as in production
        for i in range(members):
            await channel_layer.group_add(events.SCOREBOARD_GROUP, f"livescores-bench.idle!{i}")

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


# --- (b) delivery and (c) capacity ---------------------------------------------------


class Server:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def wait_port(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                return
            if self.process.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.1)
        raise RuntimeError(f"nothing listening on {port}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


class Clients:
    """N WebSocket clients counting score_update messages and when each batch completed."""

    def __init__(self, uri: str, origin: str, batch: int) -> None:
        self.uri, self.origin, self.batch = uri, origin, batch
        self.connections: list[Any] = []
        self.completed: dict[int, list[float]] = {}  # round -> receive times
        self.tasks: list[asyncio.Task[None]] = []
        self.failed = 0

    async def open(self, count: int, listen: bool, step: int = 50) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin

        async def one() -> None:
            try:
                ws = await connect(
                    self.uri,
                    origin=Origin(self.origin),
                    compression=None,
                    open_timeout=60,
                    max_size=2**22,
                    ping_interval=None,
                )
            except Exception:
                self.failed += 1
                return
            self.connections.append(ws)
            if listen:
                self.tasks.append(asyncio.ensure_future(self.listen(ws)))

        for start in range(0, count, step):
            await asyncio.gather(*(one() for _ in range(min(step, count - start))))

    async def listen(self, ws: Any) -> None:
        """A poll is complete for this client once all its score_updates arrived."""
        seen: dict[int, int] = {}
        with contextlib.suppress(Exception):
            async for text in ws:
                message = json.loads(text)
                if message.get("type") != "score_update":
                    continue
                round_no = round(message["game"]["elapsed_seconds"] / 60 - 0.5)
                seen[round_no] = seen.get(round_no, 0) + 1
                if seen[round_no] == self.batch:
                    self.completed.setdefault(round_no, []).append(time.perf_counter())

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.connections), return_exceptions=True)


async def wait_round(clients: Clients, round_no: int, expected: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(clients.completed.get(round_no, [])) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def commit_poll(minute: float) -> float:
    """Ingest one poll of the slate; the perf_counter time of its commit."""
    from django.db import transaction

    from games.feed.parser import parse_scoreboard
    from games.services import ingest_scoreboard

    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))  # runs first
        ingest_scoreboard(parse_scoreboard(slate_payload(minute)))
    return committed[0]


async def delivery_rounds(
    clients: Clients, send: Callable[[int], float], rounds: int
) -> list[float]:
    latencies: list[float] = []
    expected = len(clients.connections)
    for round_no in range(1, rounds + 1):
        sent = await asyncio.to_thread(send, round_no)
        await wait_round(clients, round_no, expected)
        latencies += [(t - sent) * 1000 for t in clients.completed.get(round_no, [])]
        missing = expected - len(clients.completed.get(round_no, []))
        if missing:
            print(f"  round {round_no}: {missing} clients missed the batch", file=sys.stderr)
        await asyncio.sleep(0.3)
    return latencies


def server_env(layer: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WS_PUBLIC_STREAM": "true",
        "CHANNEL_LAYER": layer,
    }


async def bench_daphne(layer: str, clients_n: int, idle_n: int, rounds: int) -> dict[str, Any]:
    from games.redis_client import get_redis

    use_layer(layer)
    await asyncio.to_thread(reset_data)
    get_redis().flushdb()
    port = free_port()
    server = Server(
        [
            str(ROOT / ".venv" / "bin" / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "livescores.asgi:application",
        ],
        server_env(layer),
    )
    try:
        await asyncio.to_thread(server.wait_port, port)
        await asyncio.to_thread(commit_poll, 0.5)  # today's games exist: snapshots are real
        rss0 = rss_kib(server.process.pid)
        clients = Clients(f"ws://127.0.0.1:{port}/ws/scores/", f"http://127.0.0.1:{port}", SLATE)
        await clients.open(clients_n, listen=True)
        await asyncio.sleep(1)
        clients.completed.clear()
        latencies = await delivery_rounds(clients, lambda r: commit_poll(0.5 + r), rounds)
        rss1 = rss_kib(server.process.pid)
        idle = Clients(clients.uri, clients.origin, SLATE)
        await idle.open(idle_n - clients_n, listen=False)
        await asyncio.sleep(2)
        rss2 = rss_kib(server.process.pid)
        held = len(clients.connections) + len(idle.connections)
        await idle.close()
        await clients.close()
    finally:
        server.stop()
        get_redis().flushdb()
    return {
        "layer": layer,
        "clients": len(clients.connections),
        "failed_connects": clients.failed + idle.failed,
        "latency_ms": summary(latencies) if latencies else None,
        "capacity": {
            "held": held,
            "rss_mib_empty": round(rss0 / 1024, 1),
            "rss_mib_1000": round(rss1 / 1024, 1),
            "rss_mib_all": round(rss2 / 1024, 1),
            "kib_per_connection": round((rss2 - rss0) / max(held, 1), 1),
        },
    }


async def bench_bare(clients_n: int, idle_n: int, rounds: int) -> dict[str, Any]:
    import redis
    from django.conf import settings

    port = free_port()
    channel = "livescores-bench:bare"
    server = Server(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bare_server.py"),
            str(port),
            settings.REDIS_URL,
            channel,
        ],
        dict(os.environ),
    )
    publisher = redis.Redis.from_url(settings.REDIS_URL)

    def publish(round_no: int) -> float:
        """The same 15 messages a poll at minute round_no + 0.5 sends, as one publish."""
        messages = [
            {"type": "score_update", "version": 1, "game": {"elapsed_seconds": g["elapsed"], **g}}
            for g in slate_states(0.5 + round_no)
        ]
        payload = json.dumps(messages)
        sent = time.perf_counter()
        publisher.publish(channel, payload)
        return sent

    try:
        await asyncio.to_thread(server.wait_port, port)
        rss0 = rss_kib(server.process.pid)
        clients = Clients(f"ws://127.0.0.1:{port}/", f"http://127.0.0.1:{port}", SLATE)
        await clients.open(clients_n, listen=True)
        await asyncio.sleep(1)
        latencies = await delivery_rounds(clients, publish, rounds)
        idle = Clients(clients.uri, clients.origin, SLATE)
        await idle.open(idle_n - clients_n, listen=False)
        await asyncio.sleep(2)
        rss2 = rss_kib(server.process.pid)
        held = len(clients.connections) + len(idle.connections)
        await idle.close()
        await clients.close()
    finally:
        server.stop()
    return {
        "clients": len(clients.connections),
        "failed_connects": clients.failed + idle.failed,
        "latency_ms": summary(latencies) if latencies else None,
        "capacity": {
            "held": held,
            "rss_mib_empty": round(rss0 / 1024, 1),
            "rss_mib_all": round(rss2 / 1024, 1),
            "kib_per_connection": round((rss2 - rss0) / max(held, 1), 1),
        },
    }


def bench_delivery(quick: bool) -> dict[str, Any]:
    clients_n = 200 if quick else 1000
    idle_n = 400 if quick else 4000
    rounds = 5 if quick else 20
    no_forecast_queue()
    return {
        "rounds": rounds,
        "bare_websockets": asyncio.run(bench_bare(clients_n, idle_n, rounds)),
        "daphne_redis_layer": asyncio.run(bench_daphne("redis", clients_n, idle_n, rounds)),
        "daphne_pubsub_layer": asyncio.run(bench_daphne("pubsub", clients_n, idle_n, rounds)),
    }


# --- (d) prediction ---------------------------------------------------------------


def bench_prediction(quick: bool) -> dict[str, Any]:
    from django.utils import timezone

    from games.models import Game, MinuteDifferential
    from predictions.forecasting import GameContext, load_forecaster
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


# --- output -----------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| benchmark | p50 | p95 | baseline (same run) | ratio p95 | target |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    budget = sum(SEED_BUDGET_MS.values())
    if "ingest" in results:
        ing = results["ingest"]
        copy = ing["copy_baseline"]["total_ms"]
        for key, label in (
            ("redis_layer", "RedisChannelLayer"),
            ("pubsub_layer", "RedisPubSubChannelLayer"),
        ):
            t = ing[key]["total_ms"]
            lines.append(
                f"| ingest, 15-game poll, {label} (emit p95 {ing[key]['emit_ms']['p95']} ms) "
                f"| {t['p50']} ms | {t['p95']} ms "
                f"| COPY {copy['p95']} ms; seed budget {budget:g} ms "
                f"| {ratio(t['p95'], copy['p95'])}x COPY, {ratio(t['p95'], budget)}x budget "
                "| ≤ 10 ms |"
            )
    if "delivery" in results:
        dl = results["delivery"]
        bare = dl["bare_websockets"]["latency_ms"]
        for key, label in (
            ("daphne_redis_layer", "RedisChannelLayer"),
            ("daphne_pubsub_layer", "RedisPubSubChannelLayer"),
        ):
            d = dl[key]["latency_ms"]
            if d and bare:
                lines.append(
                    f"| delivery commit→{dl[key]['clients']} clients, daphne + {label} "
                    f"| {d['p50']} ms | {d['p95']} ms | bare websockets p95 {bare['p95']} ms "
                    f"| {ratio(d['p95'], bare['p95'])}x | ≤ 250 ms, ≤ 3x |"
                )
        for key in ("daphne_redis_layer", "daphne_pubsub_layer", "bare_websockets"):
            cap = dl[key]["capacity"]
            lines.append(
                f"| capacity, {key.replace('_', ' ')} | {cap['held']} held idle | "
                f"{cap['kib_per_connection']} KiB/conn | RSS {cap['rss_mib_empty']} → "
                f"{cap['rss_mib_all']} MiB | | |"
            )
    if "prediction" in results:
        pr = results["prediction"]
        t, b = pr["make_prediction_ms"], pr["forecast_only_ms"]
        lines.append(
            f"| prediction, {pr['games']} games, {pr['forecaster']['name']} "
            f"{pr['forecaster']['version']} (DB read + forecast + write) | {t['p50']} ms "
            f"| {t['p95']} ms | forecast() alone p95 {b['p95']} ms "
            f"| {ratio(t['p95'], b['p95'])}x | |"
        )
    return lines


def write_doc(lines: list[str], meta: dict[str, Any]) -> None:
    start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
    block = "\n".join(
        [
            start,
            f"Measured {meta['when']} on {meta['machine']} by `{meta['command']}`.",
            "",
            *lines,
            end,
        ]
    )
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    DOC.write_text(head + block + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ingest,delivery,prediction")
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    nofile = raise_nofile()
    setup_django()
    wanted = args.only.split(",")
    results: dict[str, Any] = {}
    for name, bench in (
        ("ingest", bench_ingest),
        ("delivery", bench_delivery),
        ("prediction", bench_prediction),
    ):
        if name in wanted:
            print(f"running {name}…", file=sys.stderr)
            results[name] = bench(args.quick)
    meta = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, nofile {nofile}",
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
    }
    lines = table(results)
    print("\n".join(lines))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"meta": meta, **results}, indent=2) + "\n")
        write_doc(lines, meta)
        print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
