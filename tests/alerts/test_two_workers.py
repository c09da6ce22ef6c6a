"""Two real Celery workers take the same alert evaluation, queued many times over (a
replayed poll, retries, duplicates): each alert is stored once, and no alert sequence
number is used up by a losing worker."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from alerts.models import Alert, AlertSequence
from alerts.tasks import evaluate_alerts
from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from livescores.celery_app import app
from support.payloads import at_minute, board
from tests.faults.conftest import ThrowawayRedis, throwaway_redis
from tests.livescores.test_celery import start, stop

__all__ = ["stop", "throwaway_redis"]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
GAME = "0042200163"
COPIES = 30


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker(broker: ThrowawayRedis, name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", database_url())
    return start(
        broker,
        *("worker", "--pool", "solo", "--queues", "celery", "--hostname", f"{name}@test"),
        *("--without-gossip", "--without-mingle"),
    )


def test_two_workers_evaluating_the_same_game_store_each_alert_once(
    throwaway_redis: ThrowawayRedis,
    stop: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for minute, home, away in ((1, 0, 3), (2, 0, 8), (3, 0, 12), (44, 90, 88)):
        ingest_scoreboard(parse_scoreboard(board(at_minute(minute, home, away))))
    workers = [worker(throwaway_redis, name, monkeypatch) for name in ("one", "two")]
    stop.extend(workers)
    lines: list[list[str]] = [[], []]
    readers = [
        threading.Thread(target=lambda p=p, out=out: out.extend(p.stdout), daemon=True)
        for p, out in zip(workers, lines, strict=True)
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and not all(
        any("@test ready." in line for line in out) for out in lines
    ):
        time.sleep(0.2)
    assert all(any("@test ready." in line for line in out) for out in lines), lines
    with app.connection_for_write(throwaway_redis.url) as broker:
        for _ in range(COPIES):
            evaluate_alerts.apply_async(args=[[GAME]], connection=broker)

    def done() -> list[int]:
        """Celery's "task succeeded" records per worker (JSON: the name, the return value)."""
        return [
            sum("alerts.tasks.evaluate_alerts" in ln and '"return_value"' in ln for ln in out)
            for out in list(lines)
        ]

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(done()) < COPIES:
        time.sleep(0.2)
    assert sum(done()) == COPIES and all(done()), done()  # both workers took their share
    stored = sorted(Alert.objects.values_list("rule", "key"))
    assert stored == [("clutch", "P4"), ("run", "away@60")]
    # Two alerts (the run already over: raised inactive), two sequence numbers: no
    # losing worker used one up.
    assert AlertSequence.objects.get().value == 2
    assert sorted(Alert.objects.values_list("seq", flat=True)) == [1, 2]
