"""Soak: a whole replay night, accelerated, against the multi-process topology.

HAProxy in front of two daphnes, two Celery workers and one beat (deploy/Procfile.scale),
all real processes with a PostgreSQL database and a Redis server of the soak's own.
1,000 WebSocket clients connect through HAProxy (most follow every game, one in ten
also subscribes to one game) and behave as the dashboard does: apply each game's
versions in order, ask for a snapshot on a gap, reconnect with backoff and jitter.
During the night: kill -9 one daphne, kill -9 one worker in the middle of a poll,
restart Redis. At the end every client's view is compared with the database.

    .venv/bin/python -m benchmarks.soak                  # the committed run, ~12 min
    .venv/bin/python -m benchmarks.soak --server uvicorn # the same under uvicorn
    .venv/bin/python -m benchmarks.soak --poll-seconds 2 # 5x the production beat: a stress

Writes benchmarks/results/soak.json and docs/soak.md. A benchmark, not a test: it
prints figures and never asserts on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ROOT,
    cpu_seconds,
    machine_busy_seconds,
    pct,
    raise_nofile,
    rss_kib,
)
from support.client import ClientState
from support.net import server_port, wait_for

RESULTS = ROOT / "benchmarks" / "results" / "soak.json"
DOC = ROOT / "docs" / "soak.md"
DB_NAME = "livescores_soak"  # --database changes it (the CI soak uses its own)
EVENTS = {
    "daphne": "kill -9 daphne web1",
    "worker": "kill -9 a worker mid-poll",
    "redis": "restart Redis",
}
USER, PASSWORD = "soak-staff", "soak-staff-password-1"
# Incremental messages whose size is tracked over the night (docs/soak.md).
INCREMENTAL = (
    "score_update",
    "game_final",
    "prediction",
    "forecast.update",
    "pattern_progress",
    "play",
    "boxscore",
)


# --- the stack ------------------------------------------------------------------------
class Stack:
    """PostgreSQL database, Redis server, HAProxy, 2 daphnes, 2 workers, 1 beat."""

    def __init__(
        self, poll_seconds: float, replay_seconds: int, logs: Path, server: str, clients: int
    ) -> None:
        self.logs = logs
        # Ports below the ephemeral range: a killed web process (or Redis) must get its
        # port back on restart, with a thousand clients opening connections meanwhile.
        self.redis_port = server_port()
        self.lb_port, self.web_ports = server_port(), {"web1": server_port(), "web2": server_port()}
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CHANNEL_LAYER_PREFIX": "soak",
            "FEED": "replay",
            "DEBUG": "true",
            "LOG_LEVEL": "info",
            "POLL_INTERVAL_SECONDS": str(poll_seconds),
            "REPLAY_SECONDS_PER_POLL": str(replay_seconds),
            "DJANGO_SUPERUSER_USERNAME": USER,
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            # All clients share one staff session: lift the per-user socket cap for it.
            # Three times the clients: a killed daphne's sockets count until their claims
            # lapse (a minute) while their clients reconnect.
            "WEBSOCKET_MAX_SOCKETS_PER_USER": str(max(20, 3 * clients)),
            "LB_BIND": f"127.0.0.1:{self.lb_port}",
            "WEB1_ADDR": f"127.0.0.1:{self.web_ports['web1']}",
            "WEB2_ADDR": f"127.0.0.1:{self.web_ports['web2']}",
            "PYTHONUNBUFFERED": "1",
            "ASGI_SERVER": server,
            "HOST": "127.0.0.1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.restarted: set[str] = set()
        self.started_at: dict[str, float] = {}  # monotonic time of each process's last start
        self.log_offsets: dict[str, int] = {}  # its log's size then

    def commands(self) -> dict[str, list[str]]:
        bin_dir = Path(sys.executable).parent
        celery = [str(bin_dir / "celery"), "--app", "livescores"]
        worker = [*celery, "worker", "--queues", "poll,celery", "--loglevel", "INFO"]
        worker += ["--concurrency", str(WORKER_CONCURRENCY)]
        worker += ["--without-gossip", "--without-mingle"]
        return {
            "redis": [
                *("redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.logs)),
            ],
            "lb": ["haproxy", "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
            # bin/serve: daphne, or uvicorn with ASGI_SERVER=uvicorn (--server).
            **{
                name: [str(ROOT / "bin" / "serve"), str(port)]
                for name, port in self.web_ports.items()
            },
            "worker1": [*worker, "--hostname", "worker1@%h"],
            "worker2": [*worker, "--hostname", "worker2@%h"],
            "beat": [*celery, "beat", "--loglevel", "INFO"],
        }

    def start(self, name: str) -> None:
        path = self.logs / f"{name}.log"
        self.log_offsets[name] = path.stat().st_size if path.exists() else 0
        self.started_at[name] = time.monotonic()
        log = path.open("ab")
        self.processes[name] = subprocess.Popen(
            self.commands()[name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 takes its children too
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def restart(self, name: str) -> None:
        self.start(name)
        self.restarted.add(name)

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def up(self) -> None:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB_NAME], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
        self.start("redis")
        wait_for(lambda: redis_answers(self.redis_port), "redis", timeout=60, interval=0.2)
        self.manage("migrate", "--noinput")
        self.manage("ensure_staff_user", "--url", f"http://127.0.0.1:{self.lb_port}/")
        self.manage("reset_replay")
        for name in ("web1", "web2"):
            self.start(name)
        for name in ("web1", "web2"):
            url = f"http://127.0.0.1:{self.web_ports[name]}/healthz?poll=ignore"
            wait_for(functools.partial(http_ok, url), name, timeout=60, interval=0.2)
        self.start("lb")
        wait_for(
            lambda: http_ok(f"http://127.0.0.1:{self.lb_port}/healthz?poll=ignore"),
            "lb",
            timeout=60,
            interval=0.2,
        )

    def start_polling(self) -> None:
        for name in ("worker1", "worker2", "beat"):
            self.start(name)

    def down(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.processes[name].pid, signal.SIGTERM)
                self.processes[name].wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.processes[name].pid, signal.SIGKILL)

    def pids(self, name: str) -> list[int]:
        """A process and its children (a Celery worker's pool)."""
        main = self.processes[name].pid
        children = Path(f"/proc/{main}/task/{main}/children")
        extra = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [main, *extra]

    def log_since_start(self, name: str) -> str:
        with (self.logs / f"{name}.log").open("rb") as log:
            log.seek(self.log_offsets.get(name, 0))
            return log.read().decode(errors="replace")

    def rss_kib(self, name: str) -> int:
        total = 0
        for pid in self.pids(name):
            with contextlib.suppress(FileNotFoundError, RuntimeError):
                total += rss_kib(pid)
        return total


class CpuMeter:
    """Where the night's CPU went: each of the stack's processes (with its children, across
    restarts: a process first seen during the night counts from its birth), this harness
    (its 1,000 clients), and the whole machine (PostgreSQL and other tenants included),
    sampled once a second so that a decile of the night can be told apart."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.seen: dict[int, float] = {}
        self.used: dict[str, float] = {}
        self.machine: list[tuple[float, float, float]] = []  # (wall time, busy, total)
        self.harness_started = time.process_time()
        self.harness_used = 0.0
        self.sample(baseline=True)

    def sample(self, baseline: bool = False, processes: bool = True) -> None:
        """``processes=False``: the machine only (the settle after the night, whose
        process seconds are not the night's)."""
        self.machine.append((time.time(), *machine_busy_seconds()))
        if not processes:
            return
        for name in self.stack.processes:
            for pid in self.stack.pids(name):
                try:
                    now = cpu_seconds(pid)
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
                before = self.seen.get(pid, now if baseline else 0.0)
                self.used[name] = self.used.get(name, 0.0) + now - before
                self.seen[pid] = now
        self.harness_used = time.process_time() - self.harness_started

    def busy_share(self, start: float, end: float) -> float | None:
        """The machine's busy fraction of all its cores between two wall times."""
        inside = [m for m in self.machine if start <= m[0] <= end]
        if len(inside) < 2:
            return None
        busy, total = inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]
        return round(busy / total, 3) if total else None

    def report(
        self, seconds: float, first: tuple[float, float], last: tuple[float, float]
    ) -> dict[str, Any]:
        return {
            "cpu_seconds": {
                **{name: round(used, 1) for name, used in sorted(self.used.items())},
                "harness": round(self.harness_used, 1),
            },
            "harness_cpu_pct_of_one_core": round(self.harness_used / seconds * 100, 1)
            if seconds
            else None,
            "machine_busy_share": {
                "night": self.busy_share(self.machine[0][0], self.machine[-1][0]),
                "first_decile": self.busy_share(*first),
                "last_decile": self.busy_share(*last),
            },
        }


def redis_answers(port: int) -> bool:
    out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return out.stdout.strip() == "PONG"


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def staff_cookie(base: str) -> str:
    """Log in through the login form, as a person would; returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=form)
    request.add_header("Referer", f"{base}/accounts/login/")
    opener.open(request, timeout=10).read()
    session = next(c.value for c in jar if c.name == "sessionid")
    return f"sessionid={session}"


# What in a process's log shows it has done its work since it (re)started.
# When a process has done its work since its (re)start, for the memory warm-up: a worker
# once each of its pool processes can have run a live forecast (the task that loads the
# state model: WORKER_CONCURRENCY of them succeeded), the beat once it sent a task.
WORKER_CONCURRENCY = 2
FORECAST_DONE = re.compile(r"Task predictions\.tasks\.forecast_live_states\[[^\]]+\] succeeded in")
WORK_MARKERS: dict[str, tuple[re.Pattern[str], int]] = {
    "worker1": (FORECAST_DONE, WORKER_CONCURRENCY),
    "worker2": (FORECAST_DONE, WORKER_CONCURRENCY),
    "beat": (re.compile("Sending due task"), 1),
}


# --- the clients ---------------------------------------------------------------------
@dataclass
class Close:
    at: float
    server: str
    code: int | None
    from_server: bool  # a close frame came from the server (vs. the connection dropping)


@dataclass
class Client:
    index: int
    follow: str | None  # a game this client also subscribes to
    state: ClientState = field(default_factory=ClientState)
    gap_open: bool = False
    resync_asked: float = 0.0
    gaps: int = 0
    repaired: int = 0
    connects: int = 0
    closes: list[Close] = field(default_factory=list)
    connect_failures: int = 0
    failure_kinds: dict[str, int] = field(default_factory=dict)
    server: str = ""


class Night:
    def __init__(self, uri: str, origin: str, cookie: str, clients: int) -> None:
        self.uri, self.origin, self.cookie = uri, origin, cookie
        self.clients = [Client(i, None) for i in range(clients)]
        self.latencies: list[tuple[float, float]] = []  # (received at, ms after sent_at)
        self.sizes: list[tuple[float, str, int]] = []  # (received at, type, bytes)
        self.frames = 0  # every frame every client received
        self.stopping = False
        self.sockets: dict[int, Any] = {}
        self.pending: set[asyncio.Future[None]] = set()
        self.connected_at: dict[str, list[float]] = {}  # server -> monotonic connect times
        self.resync_ms: list[float] = []  # resync asked -> its snapshot, per client

    def send_later(self, ws: Any, frame: str) -> None:
        task = asyncio.ensure_future(ws.send(frame))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def handle(self, client: Client, frame: str, ws: Any) -> None:
        """Apply a frame as the dashboard does (support/client.py: the protocol's rule)."""
        self.frames += 1
        message = json.loads(frame)
        kind = message["type"]
        state = client.state
        followed = kind in ("pattern_progress", "play", "boxscore") and client.follow
        sampled = client.index == 0 or bool(followed)
        if sampled and kind in INCREMENTAL:  # one reader; every subscriber's minutes
            self.sizes.append((time.time(), kind, len(frame)))
        if kind == "snapshot":
            replaced = state.apply_snapshot(message)
            if client.gap_open:
                client.repaired += 1
                self.resync_ms.append((time.monotonic() - client.resync_asked) * 1000)
            client.gap_open = False
            resubscribe = message["reason"] == "connect" or client.follow in replaced
            if client.follow in state.games and resubscribe:
                self.subscribe(ws, client.follow)
            self.choose_follow(client, ws)
            return
        outcome = state.apply(message)
        if outcome == "gap":
            client.gaps += 1
            if not client.gap_open:
                client.gap_open = True
                client.resync_asked = time.monotonic()
                self.send_later(ws, json.dumps({"action": "resync", "seqs": state.seqs}))
            return
        if outcome == "play_gap":  # plays were missed: ask for those after the newest held
            client.gaps += 1
            game_id = message["game_id"]
            after = state.newest_play.get(game_id, 0)
            self.send_later(ws, json.dumps({"action": "plays", "game_id": game_id, "after": after}))
            return
        if outcome == "applied" and kind in state.bumps and kind != "prediction":
            sent = dt.datetime.fromisoformat(message["sent_at"]).timestamp()
            self.latencies.append((time.time(), (time.time() - sent) * 1000))
        self.choose_follow(client, ws)

    def choose_follow(self, client: Client, ws: Any) -> None:
        """One client in ten also follows one game, chosen once the board has games."""
        if client.follow is None and client.index % 10 == 0 and client.state.games:
            games = sorted(client.state.games)
            client.follow = games[client.index // 10 % len(games)]
            self.subscribe(ws, client.follow)

    def subscribe(self, ws: Any, game_id: str) -> None:
        self.send_later(ws, json.dumps({"action": "subscribe", "game_id": game_id}))

    async def run_client(self, client: Client) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        retry = 0
        while not self.stopping:
            try:
                async with connect(
                    self.uri,
                    origin=self.origin,  # type: ignore[arg-type]
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=30,
                    max_size=2**22,
                ) as ws:
                    client.connects += 1
                    retry = 0
                    response = ws.response
                    client.server = response.headers.get("X-Served-By", "?") if response else "?"
                    self.connected_at.setdefault(client.server, []).append(time.monotonic())
                    self.sockets[client.index] = ws
                    async for frame in ws:
                        self.handle(client, frame if isinstance(frame, str) else frame.decode(), ws)
            except ConnectionClosed as exc:
                if not self.stopping:
                    client.closes.append(
                        Close(
                            time.monotonic(),
                            client.server,
                            exc.rcvd.code if exc.rcvd else None,
                            exc.rcvd is not None,
                        )
                    )
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                client.connect_failures += 1
                kind = f"{type(exc).__name__}: {str(exc)[:60]}"
                client.failure_kinds[kind] = client.failure_kinds.get(kind, 0) + 1
            self.sockets.pop(client.index, None)
            if self.stopping:
                return
            await asyncio.sleep(min(10.0, 0.5 * 2**retry) * random.uniform(0.5, 1.0))
            retry += 1

    async def open_all(self, batch: int = 100) -> list[asyncio.Task[None]]:
        tasks = []
        for start in range(0, len(self.clients), batch):
            for client in self.clients[start : start + batch]:
                tasks.append(asyncio.create_task(self.run_client(client)))
            await asyncio.sleep(0.5)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(self.sockets) < len(self.clients):
            await asyncio.sleep(0.2)
        return tasks


# --- the database, read by the soak process itself --------------------------------------
def db(query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=DB_NAME) as conn:
        return conn.execute(query, args).fetchall()  # type: ignore[arg-type]


def last_tick() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")
    import django

    django.setup()
    from games.feed.select import build_replay_feed

    return build_replay_feed().board.last_tick()


def replay_tick() -> int:
    rows = db("SELECT tick FROM games_replaycursor")
    return int(rows[0][0]) if rows else 0


def database_view() -> dict[str, tuple[tuple[int, int, str], int]]:
    rows = db("SELECT game_id, home_score, away_score, status, status_text, seq FROM games_game")
    status = {1: "scheduled", 2: "live", 3: "final"}
    out = {}
    for game_id, home, away, code, text, seq in rows:
        label = "halftime" if code == 2 and text.lower().startswith("half") else status[code]
        out[game_id] = ((home, away, label), seq)
    return out


def duplicate_rows() -> dict[str, int]:
    checks = {
        "minutes": "SELECT count(*) - count(DISTINCT (game_id, minute))"
        " FROM games_minutedifferential",
        "predictions": "SELECT count(*) - count(DISTINCT game_id) FROM predictions_prediction",
        "snapshots": "SELECT count(*) - count(DISTINCT (game_id, status, period, elapsed_seconds,"
        " home_score, away_score)) FROM games_snapshot",
        "games": "SELECT count(*) - count(DISTINCT game_id) FROM games_game",
        "live_forecasts": "SELECT count(*) - count(DISTINCT"
        " (game_id, elapsed_seconds, home_score, away_score, model_version))"
        " FROM predictions_liveforecast",
    }
    return {name: int(db(sql)[0][0]) for name, sql in checks.items()}


def web_snapshot_counts(port: int) -> dict[str, float]:
    """Snapshot reads vs snapshot frames sent, from one web process's /metrics."""
    counts: dict[str, float] = {}
    url = f"http://127.0.0.1:{port}/metrics"
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(
                ("livescores_snapshot_builds_total", "livescores_snapshots_sent_total")
            ):
                name, value = line.rsplit(" ", 1)
                counts[name] = float(value)
    return counts


# --- the night ---------------------------------------------------------------------
def watch_restart(stack: Stack, name: str, detail: dict[str, Any]) -> None:
    """In the background: how long the restarted web process takes to answer /healthz
    (``detail["answered_after_s"]``), or, if it has not within 60 s, what it is doing
    (alive or its exit code, its listening sockets, its kernel wait channel) in the log
    folder's ``<name>-restart.txt``."""
    url = f"http://127.0.0.1:{stack.web_ports[name]}/healthz?poll=ignore"
    started = time.monotonic()
    process = stack.processes[name]

    async def watch() -> None:
        while time.monotonic() - started < 60:
            if await asyncio.to_thread(http_ok, url):
                detail["answered_after_s"] = round(time.monotonic() - started, 1)
                return
            await asyncio.sleep(0.5)
        detail["answered_after_s"] = None
        facts = [f"pid {process.pid}, exit code {process.poll()}"]
        for command in (["ss", "-ltnp"], ["cat", f"/proc/{process.pid}/wchan"]):
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            facts.append(f"$ {' '.join(command)}\n{out.stdout}{out.stderr}")
        (stack.logs / f"{name}-restart.txt").write_text("\n".join(facts))

    task = asyncio.ensure_future(watch())
    RESTART_WATCHES.add(task)
    task.add_done_callback(RESTART_WATCHES.discard)


RESTART_WATCHES: set[asyncio.Future[None]] = set()


async def kill_worker_mid_poll(stack: Stack, timeout: float = 30) -> dict[str, Any]:
    """kill -9 the worker whose pool process is running the poll (the lock is held)."""
    import redis

    client = redis.Redis(port=stack.redis_port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError):
            if client.exists("livescores:poll-lock"):
                for name in ("worker1", "worker2"):
                    for pid in stack.pids(name)[1:]:
                        with contextlib.suppress(FileNotFoundError):
                            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
                            if state in "RD":
                                stack.kill(name)
                                return {"worker": name, "during_poll": True}
        await asyncio.sleep(0.002)
    stack.kill("worker1")
    return {"worker": "worker1", "during_poll": False}


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    global DB_NAME
    DB_NAME = args.database
    raise_nofile()
    logs = Path(tempfile.mkdtemp(prefix="livescores-soak-"))
    stack = Stack(args.poll_seconds, args.replay_seconds, logs, args.server, args.clients)
    night_ticks = last_tick()
    events: list[dict[str, Any]] = []
    rss: dict[str, list[tuple[float, int]]] = {}
    try:
        stack.up()
        base = f"http://127.0.0.1:{stack.lb_port}"
        night = Night(
            f"ws://127.0.0.1:{stack.lb_port}/ws/scores/", base, staff_cookie(base), args.clients
        )
        tasks = await night.open_all()
        spread = {s: sum(c.server == s for c in night.clients) for s in ("web1", "web2")}
        print(f"{len(night.sockets)} clients connected: {spread}", flush=True)
        stack.start_polling()
        started = time.monotonic()
        cpu = CpuMeter(stack)
        chosen = [EVENTS[name] for name in args.events]
        plan = [(0.3 + 0.4 * i / max(1, len(chosen) - 1), what) for i, what in enumerate(chosen)]
        killed_at: dict[str, float] = {}
        warmed_up: float | None = None
        worked_at: dict[str, float] = {}  # process -> when it first did work since its start
        while True:
            tick = replay_tick()
            for name, (marker, needed) in WORK_MARKERS.items():
                stale = worked_at.get(name, -1.0) < stack.started_at[name]
                if stale and len(marker.findall(stack.log_since_start(name))) >= needed:
                    worked_at[name] = time.monotonic()
            if warmed_up is None and db("SELECT 1 FROM predictions_prediction LIMIT 1"):
                warmed_up = time.monotonic() + 5
            cpu.sample()
            for name in ("web1", "web2", "worker1", "worker2", "beat"):
                if stack.processes[name].poll() is None:
                    rss.setdefault(name, []).append((time.monotonic(), stack.rss_kib(name)))
            if plan and tick >= plan[0][0] * night_ticks:
                _, what = plan.pop(0)
                at = time.monotonic()
                if what.startswith("kill -9 daphne"):
                    stack.kill("web1")
                    killed_at["web1"] = at
                    await asyncio.sleep(5)
                    stack.restart("web1")
                    detail: dict[str, Any] = {}
                elif what.startswith("kill -9 a worker"):
                    detail = await kill_worker_mid_poll(stack)
                    await asyncio.sleep(3)
                    stack.restart(detail["worker"])
                else:
                    stack.kill("redis")
                    await asyncio.sleep(1)
                    stack.restart("redis")
                    detail = {}
                events.append(
                    {"at_tick": tick, "at_s": round(at - started, 1), "what": what, **detail}
                )
                if what.startswith("kill -9 daphne"):
                    watch_restart(stack, "web1", events[-1])  # fills in answered_after_s
                print(
                    f"t={at - started:.0f}s tick {tick}/{night_ticks}: {what} {detail}", flush=True
                )
            finals = db("SELECT count(*) FILTER (WHERE status = 3), count(*) FROM games_game")[0]
            if tick > night_ticks and finals[0] == finals[1] > 0 and not plan:
                break
            if time.monotonic() - started > args.max_seconds:
                events.append({"what": "gave up waiting for the night to end"})
                break
            await asyncio.sleep(1)
        night_seconds = time.monotonic() - started
        settle_until = time.monotonic() + args.settle  # last pushes, last resyncs
        while time.monotonic() < settle_until:
            await asyncio.sleep(1)
            cpu.sample(processes=False)
        truth = database_view()
        final_spread = {s: sum(c.server == s for c in night.clients) for s in ("web1", "web2")}
        night.stopping = True
        mismatches, connected_at_end = 0, len(night.sockets)
        for client in night.clients:
            for game_id, (state, seq) in truth.items():
                known = client.state
                if game_id not in known.games or known.view(game_id) != (*state, seq):
                    mismatches += 1
        for ws in list(night.sockets.values()):
            with contextlib.suppress(Exception):
                await ws.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        duplicates = duplicate_rows()
        snapshot_counts = {
            name: web_snapshot_counts(stack.web_ports[name]) for name in ("web1", "web2")
        }
        failure_kinds: dict[str, int] = {}
        for client in night.clients:
            for kind, n in client.failure_kinds.items():
                failure_kinds[kind] = failure_kinds.get(kind, 0) + n
        tracebacks = {
            name: (logs / f"{name}.log").read_text(errors="replace").count("Traceback")
            for name in stack.processes
        }
    finally:
        stack.down()

    def expected(close: Close) -> bool:  # a socket on the daphne we killed
        at = killed_at.get(close.server)
        return at is not None and at - 1 <= close.at <= at + 15

    closes = [c for client in night.clients for c in client.closes]
    unexpected = [c for c in closes if not expected(c)]
    times = [at for at, _ in night.latencies]
    first_at, last_at = (min(times), max(times)) if times else (0.0, 0.0)
    span = (last_at - first_at) or 1.0

    def decile_p95(which: int) -> float | None:
        chosen = [
            ms
            for at, ms in night.latencies
            if int((at - first_at) / span * 10) in ((0,) if which == 0 else (9, 10))
        ]
        return round(pct(chosen, 95), 1) if chosen else None

    for name in ("web1", "web2"):  # a web process works once it holds a socket
        since_start = [t for t in night.connected_at.get(name, []) if t >= stack.started_at[name]]
        if since_start:
            worked_at[name] = min(since_start)

    def growth(name: str) -> dict[str, Any]:
        """RSS growth from warm-up to the end of the night. Warm-up: 5 s after the
        process first did its work since it last (re)started (a worker ran a task, the
        beat sent one, a web process held a socket), and not before 5 s after the
        night's first forecast (when every code path, the model included, has run)."""
        samples = rss.get(name, [])
        if name not in worked_at:
            return {"rss_growth_pct": None, "note": "did no work after its last start"}
        since = max(warmed_up or started, worked_at[name] + 5)
        warm_samples = [s for s in samples if s[0] >= since]
        if len(warm_samples) < 4:
            return {"rss_growth_pct": None, "note": "too few samples"}
        warm, end = warm_samples[0], warm_samples[-1]
        return {
            "rss_kib_first_sample": samples[0][1],
            "rss_kib_after_warmup": warm[1],
            "rss_kib_end": end[1],
            "warm_from_s": round(since - started, 1),
            "rss_growth_pct": round((end[1] - warm[1]) / warm[1] * 100, 1),
            "rss_growth_pct_from_first_sample": round(
                (end[1] - samples[0][1]) / samples[0][1] * 100, 1
            ),
            "restarted_during_night": name in stack.restarted,
        }

    def bytes_by_decile() -> dict[str, dict[str, float | None]]:
        """Mean bytes of each incremental message type, first vs last decile of the night."""
        if not night.sizes:
            return {}
        first, last = min(t for t, _, _ in night.sizes), max(t for t, _, _ in night.sizes)
        width = (last - first) or 1.0
        out: dict[str, dict[str, float | None]] = {}
        for kind in INCREMENTAL:
            sizes = [(t, n) for t, k, n in night.sizes if k == kind]
            head = [n for t, n in sizes if (t - first) / width < 0.1]
            tail = [n for t, n in sizes if (t - first) / width >= 0.9]
            out[kind] = {
                "first_decile": round(sum(head) / len(head), 1) if head else None,
                "last_decile": round(sum(tail) / len(tail), 1) if tail else None,
            }
        return out

    first_p95, last_p95 = decile_p95(0), decile_p95(9)
    return {
        "command": "python -m benchmarks.soak " + " ".join(sys.argv[1:]),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "server": args.server,
            "events": args.events,
            "clients": args.clients,
            "poll_seconds": args.poll_seconds,
            "replay_seconds_per_poll": args.replay_seconds,
            "night_polls": night_ticks,
            "games": len(truth),
        },
        "night_seconds": round(night_seconds, 1),
        "initial_spread": spread,
        "final_spread": final_spread,
        "events": events,
        "unexpected_closes": len(unexpected),
        "unexpected_close_codes": sorted({str(c.code) for c in unexpected}),
        "expected_closes": len(closes) - len(unexpected),
        "reconnected_clients": sum(1 for c in night.clients if c.connects > 1),
        "connect_failures": sum(c.connect_failures for c in night.clients),
        "connected_at_end": connected_at_end,
        "gaps_detected": sum(c.gaps for c in night.clients),
        "gaps_repaired": sum(c.repaired for c in night.clients),
        "unrepaired_gaps": sum(1 for c in night.clients if c.gap_open),
        "stale_messages_dropped": sum(c.state.stale for c in night.clients),
        "final_state_mismatches": mismatches,
        "duplicate_rows": sum(duplicates.values()),
        "duplicate_rows_by_table": duplicates,
        "rss": {name: growth(name) for name in ("web1", "web2", "worker1", "worker2", "beat")},
        "rss_growth_pct": {
            name: growth(name)["rss_growth_pct"]
            for name in ("web1", "web2", "worker1", "worker2", "beat")
        },
        "messages_timed": len(night.latencies),
        "frames_received": night.frames,
        "frames_per_second": round(night.frames / night_seconds, 1) if night_seconds else None,
        "delivery_p95_ms_first_decile": first_p95,
        "delivery_p95_ms_last_decile": last_p95,
        "delivery_p95_last_over_first": round(last_p95 / first_p95, 2)
        if first_p95 and last_p95
        else None,
        "bytes_per_message": bytes_by_decile(),
        "resyncs_answered": len(night.resync_ms),
        "resync_p95_ms": round(pct(night.resync_ms, 95), 1) if night.resync_ms else None,
        "snapshots": snapshot_counts,
        **cpu.report(
            night_seconds,
            (first_at, first_at + 0.1 * span),
            (first_at + 0.9 * span, last_at),
        ),
        "connect_failure_kinds": failure_kinds,
        "delivery_p50_ms_all": round(pct([ms for _, ms in night.latencies], 50), 1)
        if night.latencies
        else None,
        "tracebacks_in_logs": tracebacks,
        "logs": str(logs),
    }


def results_file(server: str) -> Path:
    """benchmarks/results/soak.json (daphne) and soak-uvicorn.json."""
    return RESULTS if server == "daphne" else RESULTS.with_name(f"soak-{server}.json")


def _goal(value: Any, goal: str, met: bool) -> str:
    return f"| {value} | {goal} | {'met' if met else '**missed**'} |"


def _run_section(result: dict[str, Any]) -> str:
    s = result["settings"]
    server = s.get("server", "daphne")
    events = [
        f"* tick {e.get('at_tick', '-')} (t = {e.get('at_s', '-')} s): {e['what']}"
        + (f" — {e['worker']}, during a poll: {e['during_poll']}" if "worker" in e else "")
        + (
            f" — restarted 5 s later, answering /healthz {e['answered_after_s']} s after that"
            if e.get("answered_after_s") is not None
            else " — restarted 5 s later, **not answering /healthz within 60 s**"
            if "answered_after_s" in e
            else ""
        )
        for e in result["events"]
    ]
    ratio = result.get("delivery_p95_last_over_first")
    rss = result["rss"]
    growth_ok = all(r["rss_growth_pct"] is None or r["rss_growth_pct"] < 10 for r in rss.values())
    rows = [
        "| figure | result | goal | |",
        "| --- | --- | --- | --- |",
        "| `unexpected_closes` "
        + _goal(result["unexpected_closes"], "0", not result["unexpected_closes"]),
        "| `connect_failures` "
        + _goal(result["connect_failures"], "0", not result["connect_failures"]),
        "| `unrepaired_gaps` "
        + _goal(result["unrepaired_gaps"], "0", not result["unrepaired_gaps"]),
        "| `final_state_mismatches` "
        + _goal(result["final_state_mismatches"], "0", not result["final_state_mismatches"]),
        "| `duplicate_rows` " + _goal(result["duplicate_rows"], "0", not result["duplicate_rows"]),
        "| delivery p95, last / first decile "
        + _goal(
            f"{result['delivery_p95_ms_last_decile']} / {result['delivery_p95_ms_first_decile']} ms"
            f" = {ratio}",
            "≤ 1.2",
            ratio is not None and ratio <= 1.2,
        ),
        "| RSS growth per process " + _goal(result["rss_growth_pct"], "< 10 % each", growth_ok),
    ]
    sizes = [
        f"| `{kind}` | {v['first_decile']} | {v['last_decile']} |"
        for kind, v in result.get("bytes_per_message", {}).items()
    ]
    rss_rows = [
        f"| {name} | {r.get('rss_kib_after_warmup', '-')} | {r.get('rss_kib_end', '-')} | "
        f"{r.get('warm_from_s', '-')} | {r['rss_growth_pct']} | "
        f"{'yes' if r.get('restarted_during_night') else 'no'} | {r.get('note', '')} |"
        for name, r in rss.items()
    ]
    return f"""## {server}

Measured {result["measured_at"]}: `{result["command"].strip()}`. {s["games"]} games,
{s["night_polls"]} polls, one every {s["poll_seconds"]} s ({s["replay_seconds_per_poll"]} game
seconds per poll), {s["clients"]} clients through HAProxy (initially
{result["initial_spread"]}, at the end {result.get("final_spread")}). The night took
{result["night_seconds"]} s. During the night:

{chr(10).join(events)}

{chr(10).join(rows)}

* Closes: {result["unexpected_closes"]} unexpected (codes {result["unexpected_close_codes"]}),
  {result["expected_closes"]} expected (sockets on the daphne killed with -9); clients
  connected at the end: {result["connected_at_end"]} of {s["clients"]}. Failed connects by
  cause: {result.get("connect_failure_kinds") or "none"}.
* Gaps: {result["gaps_detected"]} seen, {result["gaps_repaired"]} repaired by a snapshot,
  {result["unrepaired_gaps"]} open at the end; {result["stale_messages_dropped"]} stale
  messages dropped by the sequence check. Resyncs answered: {result.get("resyncs_answered")},
  p95 {result.get("resync_p95_ms")} ms from asking to the snapshot.
* Snapshots per web process (read from the database vs sent to sockets, from
  `/metrics` at the end; a restarted process counts from its restart):
  {result.get("snapshots")}.
* Final state: every client's last view of every game (score, status, `seq`) against
  the database: {result["final_state_mismatches"]} mismatches. Duplicate rows:
  {result["duplicate_rows_by_table"]}.
* Delivery: from the message being built (before its commit) to a client receiving it,
  over {result["messages_timed"]} messages; p50 of all {result["delivery_p50_ms_all"]} ms.
  All clients together received {result.get("frames_received")} frames
  ({result.get("frames_per_second")} a second over the night).
  The deciles split the night by time received.
* CPU: seconds used during the night by each process (a worker with its pool; the
  harness is this benchmark's own process, all 1,000 clients):
  {result.get("cpu_seconds")}; the harness used
  {result.get("harness_cpu_pct_of_one_core")} % of one core. The machine's busy share of
  all its cores (PostgreSQL and the shared machine's other tenants included):
  {result.get("machine_busy_share")}. A share near 1 means the delivery times measure
  a saturated machine, not the server alone.
* Tracebacks in the logs: {result["tracebacks_in_logs"]}.

Bytes per incremental message (mean, as received by one reader and one subscriber),
first and last decile of the night:

| message | first decile | last decile |
| --- | --- | --- |
{chr(10).join(sizes)}

Memory (RSS, KiB; a worker counts its pool processes), from warm-up (see above) to the
end of the night:

| process | after warm-up | end | warm from (s) | growth % | restarted | note |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rss_rows)}
"""


def write_doc() -> None:
    """docs/soak.md from the committed results of each server that has one."""
    runs = [
        json.loads(results_file(server).read_text())
        for server in ("daphne", "uvicorn")
        if results_file(server).exists()
    ]
    machine = runs[0]["machine"] if runs else {}
    text = f"""# Soak: a whole replay night, 1,000 clients, kills

`benchmarks/soak.py` starts the deployment topology of `./bin/up --scale` with its own
PostgreSQL database and Redis server: HAProxy (`deploy/haproxy.cfg`) in front of two web
processes (`bin/serve`: daphne, or uvicorn with `--server uvicorn`), two Celery workers
and one beat, all real processes. It replays the recorded night, accelerated, to 1,000
WebSocket clients connected through HAProxy; one in ten also subscribes to one game.
Clients act as the dashboard does (`support/client.py`, the protocol's sequence rule
read from the schemas): they apply each game's versions and the board version in order,
ask for a resync with their `seqs` on a gap, re-subscribe to a followed game that came
back changed, and reconnect with backoff and jitter. During the night it kills one web
process with -9 (restarted 5 s later), kills the worker running a poll with -9, and
restarts Redis; at the end every client's view is compared with the database.

Measured on this machine ({machine.get("cpus")} cores, Python {machine.get("python")},
{machine.get("platform")}); the machine is shared, so absolute times are indicative.
A smaller run of the same code (100 clients, a web process killed and a Redis restart)
is part of the test suite (`tests/system/test_soak.py`).

Warm-up, for memory: 5 s after the process first did its work since it last (re)started
(a worker ran as many live forecasts as it has pool processes, so each can have loaded
the state model; the beat sent a task; a web process held a socket), and not before
5 s after the night's first forecast. A process that did no work after its restart (a
web process restarted after its clients had moved to the other one) is not measured.

Why the last decile can be slower than the first: sockets are long-lived, and the
clients of the killed web process reconnect to the one left standing and stay there
after the restarted one is back (HAProxy balances new sockets only), so from then on one
process carries every socket.

{chr(10).join(_run_section(run) for run in runs)}
Raw figures: `benchmarks/results/soak.json` (daphne), `benchmarks/results/soak-uvicorn.json`.
"""
    DOC.write_text(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    # The production beat (POLL_INTERVAL_SECONDS' default): a poll every 10 s, each moving
    # the replay a game minute on, so the night takes 62 polls (about 11 minutes).
    parser.add_argument("--poll-seconds", type=float, default=10.0)
    parser.add_argument("--replay-seconds", type=int, default=60)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=1500.0)
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default="daphne")
    parser.add_argument(
        "--events",
        type=lambda text: [e for e in text.split(",") if e],
        default=list(EVENTS),
        help="faults during the night, in order: comma-separated of " + ", ".join(EVENTS),
    )
    parser.add_argument("--database", default=DB_NAME, help="the soak's own database")
    parser.add_argument("--no-write", action="store_true", help="print only")
    return parser.parse_args(argv)


def missing_tools() -> list[str]:
    return [tool for tool in ("haproxy", "redis-server", "createdb") if shutil.which(tool) is None]


def main() -> None:
    args = parse_args()
    if missing_tools():
        sys.exit(
            f"{', '.join(missing_tools())} needed (Debian: haproxy redis-server postgresql-client)"
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # still stop the stack
    result = asyncio.run(soak(args))
    print(json.dumps({k: v for k, v in result.items() if k not in ("rss",)}, indent=2))
    if not args.no_write:
        out = results_file(args.server)
        out.write_text(json.dumps(result, indent=2) + "\n")
        write_doc()
        print(f"wrote {out.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
