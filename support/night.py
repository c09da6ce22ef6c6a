"""The recorded night, replayed once through the whole stack, for every whole-night test.

The shipped replay night (``data/replay_night.json``) is played poll by poll through the
real pipeline: the replay feed, ``poll_scoreboard`` (ingest, the after-commit pushes,
the board), the forecast tasks (Celery in eager mode: they run in a fixed order, right
after the poll that queued them), the channel layer (Redis) and the real consumer
(``livescores.asgi.application``), with three staff sockets open:

* ``early`` connects before the first poll and only reads (the scoreboard stream);
* ``board`` connects after the first poll and subscribes to every game of its snapshot,
  as the dashboard does;
* ``late`` connects two thirds into the night, asks for a resync with the seqs it has
  (it is current: it gets no game), subscribes to one game and, at the end, resyncs
  with one stale seq.

After each poll every socket is read until it has what the poll sent to its groups, so
frames never straddle polls. Recorded: each socket's frames; each poll's batches (group,
messages), its own queries (tasks excluded) and each forecast task's queries; and, at
the end, every row the night wrote and a fresh snapshot and subscription of every game.

``recorded_night()`` plays the night once per test session (a session fixture in
``tests/conftest.py``) and leaves the database empty behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from realtime import broadcast, messages
from realtime.protocol import rules

LATE_JOIN_FRACTION = 2 / 3


@dataclass
class Batch:
    group: str
    messages: list[dict[str, Any]]


@dataclass
class PollRecord:
    tick: int
    queries: int  # the poll's own queries (its forecast tasks excluded)
    batches: list[Batch] = field(default_factory=list)


@dataclass
class TaskRecord:
    """What a task did after a poll: one game state's live forecast (``forecast``; its
    ``minute`` is the game minute the state is in; ``forecast_repeat`` when the state had
    been forecast before and nothing was stored), a game's minute-18 prediction
    (``prediction``), a poll's outcomes (``outcomes``) or the alert rules over the games
    the poll and its forecasts changed (``alerts``, run once after them, as a worker would
    pick the queued evaluations up)."""

    tick: int
    kind: str
    game_id: str
    minute: int
    queries: int


@dataclass
class RecordedNight:
    polls: list[PollRecord]
    tasks: list[TaskRecord]
    frames: dict[str, list[dict[str, Any]]]  # socket name -> every frame it received
    subscriptions: dict[str, list[str]]  # socket name -> games it subscribed to
    rows: dict[str, list[dict[str, Any]]]  # table -> every row at the end of the night
    fresh_snapshot: dict[str, Any]
    fresh_subscribed: dict[str, dict[str, Any]]  # game id -> a subscribed message now

    def sent(self, kind: str | None = None) -> Iterator[tuple[PollRecord, Batch, dict[str, Any]]]:
        for poll in self.polls:
            for batch in poll.batches:
                for message in batch.messages:
                    if kind is None or message["type"] == kind:
                        yield poll, batch, message


class Socket:
    """A staff socket against the in-process ASGI app, recording every frame."""

    def __init__(self, name: str, cookie: bytes) -> None:
        from livescores.asgi import application
        from support.wsclient import ORIGIN

        self.name = name
        self.client = WebsocketCommunicator(
            application, "/ws/scores/", headers=[*ORIGIN, (b"cookie", cookie)]
        )
        self.frames: list[dict[str, Any]] = []
        self.subscribed: list[str] = []

    async def open(self) -> dict[str, Any]:
        connected, _ = await self.client.connect()
        assert connected, self.name
        return await self.receive()

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await self.client.receive_from(timeout=timeout))
        self.frames.append(frame)
        return frame

    async def ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        await self.client.send_json_to(frame)
        return await self.receive()

    async def subscribe(self, game_id: str) -> dict[str, Any]:
        self.subscribed.append(game_id)
        reply = await self.ask({"action": "subscribe", "game_id": game_id})
        assert reply["type"] == "subscribed", reply
        return reply

    def groups(self) -> set[str]:
        # Every socket of the night is a staff user's: it is in the alerts group too.
        return {
            messages.SCOREBOARD_GROUP,
            messages.ALERTS_GROUP,
            *(messages.game_group(g) for g in self.subscribed),
        }

    async def read(self, count: int) -> None:
        for n in range(count):
            try:
                await self.receive()
            except TimeoutError:
                last = [f.get("type") for f in self.frames[-5:]]
                raise AssertionError(
                    f"{self.name}: {n} of the {count} frames sent to its groups arrived"
                    f" (the last it got: {last})"
                ) from None

    async def quiet(self) -> bool:
        return bool(await self.client.receive_nothing(timeout=0.05))

    def seqs(self) -> dict[str, int]:
        """The last version of each game this socket has applied (snapshot + bumps)."""
        bumping = {rule.type for rule in rules().values() if rule.seq == "bumps"}
        seqs: dict[str, int] = {}
        for frame in self.frames:
            if frame["type"] == "snapshot":
                keep = {g: s for g, s in seqs.items() if g in frame["current"]}
                seqs = {**keep, **{g["game_id"]: g["seq"] for g in frame["games"]}}
            elif frame["type"] in bumping:
                seqs[frame["game_id"]] = max(seqs.get(frame["game_id"], 0), frame["seq"])
        return seqs


def _rows() -> dict[str, list[dict[str, Any]]]:
    from alerts.models import Alert
    from games.models import Board, Game, MinuteDifferential, PollRun, Snapshot
    from predictions.models import LiveForecast, Prediction

    tables = {
        "alert": Alert.objects.order_by("seq"),
        "game": Game.objects.order_by("pk"),
        "snapshot": Snapshot.objects.order_by("game_id", "elapsed_seconds", "status", "id"),
        "minute": MinuteDifferential.objects.order_by("game_id", "minute"),
        "prediction": Prediction.objects.order_by("game_id"),
        "live_forecast": LiveForecast.objects.order_by(
            "game_id", "elapsed_seconds", "home_score", "away_score", "model_version"
        ),
        "poll_run": PollRun.objects.order_by("started_at", "id"),
        "board": Board.objects.order_by("pk"),
    }
    return {name: [dict(row) for row in rows.values()] for name, rows in tables.items()}


async def _play(cookie: bytes) -> RecordedNight:
    from alerts import receivers as alert_receivers
    from alerts import services as alert_services
    from games.feed.select import build_replay_feed
    from games.services import poll_scoreboard
    from predictions import services as prediction_services
    from predictions import tasks as prediction_tasks

    await get_channel_layer().flush()
    feed = await sync_to_async(build_replay_feed)()
    await sync_to_async(feed.reset)()
    ticks = feed.board.last_tick() + 1
    late_tick = round(ticks * LATE_JOIN_FRACTION)

    polls: list[PollRecord] = []
    tasks: list[TaskRecord] = []
    current: list[PollRecord] = []

    def capture(batches: Any) -> None:
        current[-1].batches.extend(Batch(group, [dict(m) for m in sent]) for group, sent in batches)
        real_send_now(batches)

    def counted(name: str, real: Any) -> Any:
        def run(*args: Any) -> Any:
            with CaptureQueriesContext(connection) as queries:
                result = real(*args)
            game_id, minute = "", 0
            if name == "forecast":
                game_id, minute = args[0].game_id, int(args[0].elapsed_seconds // 60)
            if name == "prediction":
                game_id, minute = args[0], 18
            kind = name
            if name == "forecast" and result is None:  # the state was forecast before
                kind = "forecast_repeat"  # (the final after the buzzer): a rolled-back insert
            tasks.append(TaskRecord(current[-1].tick, kind, game_id, minute, len(queries)))
            return result

        return run

    pending_alerts: list[str] = []

    def poll(tick: int) -> None:
        current.append(PollRecord(tick, 0))
        before = len(tasks)
        with CaptureQueriesContext(connection) as queries:
            poll_scoreboard(feed)
        current[-1].queries = len(queries) - sum(t.queries for t in tasks[before:])
        if pending_alerts:  # the alert task the poll and its forecasts queued, after them
            game_ids = sorted(set(pending_alerts))
            pending_alerts.clear()
            counted("alerts", alert_services.evaluate_games)(game_ids)
        polls.append(current[-1])

    real_send_now = broadcast.send_now
    sockets = {"early": Socket("early", cookie)}
    with contextlib.ExitStack() as patches:
        patches.enter_context(mock.patch.object(broadcast, "send_now", capture))
        patches.enter_context(
            mock.patch.object(alert_receivers, "queue_evaluation", pending_alerts.extend)
        )
        patches.enter_context(
            mock.patch.object(
                prediction_services,
                "make_live_forecast",
                counted("forecast", prediction_services.make_live_forecast),
            )
        )
        for name, attribute in (("prediction", "make_prediction"), ("outcomes", "record_outcomes")):
            real = getattr(prediction_tasks, attribute)
            patches.enter_context(
                mock.patch.object(prediction_tasks, attribute, counted(name, real))
            )
        await sockets["early"].open()
        for tick in range(ticks):
            if tick == 1:
                sockets["board"] = Socket("board", cookie)
                snapshot = await sockets["board"].open()
                for game in snapshot["games"]:
                    await sockets["board"].subscribe(game["game_id"])
            if tick == late_tick:
                late = sockets["late"] = Socket("late", cookie)
                await late.open()
                reply = await late.ask({"action": "resync", "seqs": late.seqs()})
                assert reply["type"] == "snapshot" and reply["games"] == [], reply
                await late.subscribe(sorted(late.seqs())[0])
            await sync_to_async(poll)(tick)
            for socket in sockets.values():
                groups = socket.groups()
                await socket.read(
                    sum(len(b.messages) for b in polls[-1].batches if b.group in groups)
                )
        stale_game = sorted(sockets["late"].seqs())[-1]
        stale = {**sockets["late"].seqs(), stale_game: 0}
        await sockets["late"].ask({"action": "resync", "seqs": stale})
        for socket in sockets.values():
            assert await socket.quiet(), f"{socket.name} got more than the night sent"
        probe = Socket("probe", cookie)
        fresh_snapshot = await probe.open()
        fresh_subscribed = {}
        for game in fresh_snapshot["games"]:
            fresh_subscribed[game["game_id"]] = await probe.subscribe(game["game_id"])
        for socket in [*sockets.values(), probe]:
            await socket.client.disconnect()
    rows = await sync_to_async(_rows)()
    await sync_to_async(connections.close_all)()
    return RecordedNight(
        polls=polls,
        tasks=tasks,
        frames={name: socket.frames for name, socket in sockets.items()},
        subscriptions={name: socket.subscribed for name, socket in sockets.items()},
        rows=rows,
        fresh_snapshot=fresh_snapshot,
        fresh_subscribed=fresh_subscribed,
    )


def recorded_night() -> RecordedNight:
    """Play the night (call with database access, outside any running event loop)."""
    from django.core.management import call_command

    from livescores.celery_app import app as celery_app
    from support.wsclient import session_cookie

    conf = celery_app.conf
    previous = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    try:
        cookie = session_cookie("night-staff")
        return asyncio.run(_play(cookie))
    finally:
        conf.task_always_eager, conf.task_eager_propagates = previous
        call_command("flush", interactive=False, verbosity=0)
