"""(b) delivery and (c) capacity: daphne + Channels against a bare websockets server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    ROOT,
    SLATE,
    no_forecast_queue,
    reset_data,
    rss_kib,
    slate_payload,
    slate_states,
    summary,
    use_layer,
)
from realtime.messages import API_VERSION
from support.client import ClientState
from support.net import free_port


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
    """N WebSocket clients applying each poll's versions and timing when each completed."""

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
        """A round is complete for this client once it has applied, by the protocol's
        sequence rule (support/client.py), the round's version of every game."""
        state = ClientState()
        base: dict[str, int] = {}  # each game's version before the first round
        applied: dict[int, int] = {}
        with contextlib.suppress(Exception):
            async for text in ws:
                message = json.loads(text)
                outcome = state.apply(message)
                if message["type"] == "snapshot":
                    base = dict(state.seqs)
                    continue
                if outcome != "applied" or message["type"] not in state.bumps:
                    continue
                round_no = message["seq"] - base.get(message["game_id"], 0)
                applied[round_no] = applied.get(round_no, 0) + 1
                if applied[round_no] == self.batch:
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
) -> tuple[list[float], int]:
    """Latency of every (client, round); and how many (client, round) never arrived."""
    latencies: list[float] = []
    missed_total = 0
    expected = len(clients.connections)
    for round_no in range(1, rounds + 1):
        sent = await asyncio.to_thread(send, round_no)
        await wait_round(clients, round_no, expected)
        latencies += [(t - sent) * 1000 for t in clients.completed.get(round_no, [])]
        missing = expected - len(clients.completed.get(round_no, []))
        if missing:
            missed_total += missing
            print(f"  round {round_no}: {missing} clients missed the batch", file=sys.stderr)
        await asyncio.sleep(0.3)
    return latencies, missed_total


def server_env(layer: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WS_PUBLIC_STREAM": "true",
        "CHANNEL_LAYER": layer,
        "CHANNEL_LAYER_PREFIX": "livescores-bench",
    }


def server_command(server: str, port: int) -> list[str]:
    """The same application under daphne or uvicorn (bin/serve runs the same commands)."""
    return [str(ROOT / "bin" / "serve"), str(port)]


async def bench_asgi(
    server_name: str, layer: str, clients_n: int, idle_n: int, rounds: int
) -> dict[str, Any]:
    from games.redis_client import get_redis

    use_layer(layer)
    await asyncio.to_thread(reset_data)
    get_redis().flushdb()
    port = free_port()
    env = {**server_env(layer), "ASGI_SERVER": server_name, "HOST": "127.0.0.1"}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"
    server = Server(server_command(server_name, port), env)
    try:
        await asyncio.to_thread(server.wait_port, port)
        await asyncio.to_thread(commit_poll, 0.5)  # today's games exist: snapshots are real
        rss0 = rss_kib(server.process.pid)
        clients = Clients(f"ws://127.0.0.1:{port}/ws/scores/", f"http://127.0.0.1:{port}", SLATE)
        await clients.open(clients_n, listen=True)
        await asyncio.sleep(1)
        clients.completed.clear()
        latencies, missed = await delivery_rounds(clients, lambda r: commit_poll(0.5 + r), rounds)
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
        "server": server_name,
        "layer": layer,
        "clients": len(clients.connections),
        "failed_connects": clients.failed + idle.failed,
        "missed_deliveries": missed,
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
            {
                "type": "score_update",
                "version": API_VERSION,
                "game_id": g["game_id"],
                "seq": round_no,
                "game": {**g, "seq": round_no},
            }
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
        latencies, missed = await delivery_rounds(clients, publish, rounds)
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
        "missed_deliveries": missed,
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
        **{
            f"{server}_{layer}_layer": asyncio.run(
                bench_asgi(server, layer, clients_n, idle_n, rounds)
            )
            for server in ("daphne", "uvicorn")
            for layer in ("redis", "pubsub")
        },
    }
