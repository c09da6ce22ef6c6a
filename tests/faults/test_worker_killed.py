"""A worker SIGKILLed inside a poll's transaction leaves no partial poll behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from games.models import Game, PollRun
from games.services import POLL_LOCK_KEY, poll_exclusively, poll_scoreboard
from support.payloads import at_minute, board
from support.rows import StaticFeed, counts, minutes_of

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 2

# The worker polls for real, but stops dead right after writing every row of the poll,
# before the commit (announcing what changed is the last call inside the transaction).
WORKER = """
import sys, time, django
django.setup()
from games import services, signals
from support.rows import StaticFeed
from support.payloads import at_minute, board

def hang(signal, **kwargs):
    print("IN TRANSACTION", flush=True)
    time.sleep(120)

signals.announce_on_commit = hang
services.poll_exclusively(StaticFeed(board(at_minute(5.5, 12, 9))))
print("COMMITTED", flush=True)
"""


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "the worker printed nothing in time"
    return process.stdout.readline().strip()


def test_a_worker_killed_mid_poll_leaves_no_partial_poll_and_the_next_poll_proceeds(
    redis_client: Any,
) -> None:
    poll_scoreboard(StaticFeed(board(at_minute(3.5, 5, 2))))
    before = counts()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "livescores.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "POLL_LOCK_SECONDS": str(LOCK_SECONDS),
        "LOG_LEVEL": "warning",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert read_line(worker, timeout=60) == "IN TRANSACTION"
        assert redis_client.get(POLL_LOCK_KEY) is not None  # the worker holds the lock
        assert counts() == before  # its writes are not visible: not committed
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        if worker.stdout is not None:
            worker.stdout.close()

    assert counts() == before  # PostgreSQL rolled the whole poll back: no PollRun either
    game = Game.objects.get()
    assert (game.home_score, game.last_closed_minute) == (5, 3)
    ttl = redis_client.pttl(POLL_LOCK_KEY)
    assert 0 < ttl <= LOCK_SECONDS * 1000  # the dead worker's lock only lives out its timeout
    assert poll_exclusively(StaticFeed(board(at_minute(5.5, 12, 9)))) is None  # still held

    deadline = time.monotonic() + LOCK_SECONDS + 5
    while redis_client.exists(POLL_LOCK_KEY):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    run = poll_exclusively(StaticFeed(board(at_minute(5.5, 12, 9))))  # the next beat

    assert run is not None and run.outcome == "ok"
    game.refresh_from_db()
    assert (game.home_score, game.last_closed_minute) == (12, 5)
    assert [m for m, _ in minutes_of(game.pk)] == [1, 2, 3, 4, 5]
    assert PollRun.objects.count() == before["polls"] + 1
