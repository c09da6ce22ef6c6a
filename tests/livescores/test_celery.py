"""The poll has a queue of its own, every worker consumes both queues unless told
otherwise, and workers and beat log in the settings' LOG_FORMAT (here json), not in
Celery's own format."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from livescores.celery_app import app
from tests.faults.conftest import ThrowawayRedis, throwaway_redis

__all__ = ["throwaway_redis"]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def queue_of(task: str) -> str:
    return str(app.amqp.router.route({}, task)["queue"].name)


def test_the_poll_goes_to_its_own_queue_and_every_other_task_to_the_default() -> None:
    assert queue_of("games.tasks.poll_scoreboard") == "poll"
    for task in ("predictions.tasks.predict_game", "predictions.tasks.forecast_live_states"):
        assert queue_of(task) == "celery"
    assert {q.name for q in app.amqp.queues.values()} == {"poll", "celery"}


def start(broker: ThrowawayRedis, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REDIS_URL": broker.url, "LOG_FORMAT": "json", "LOG_LEVEL": "info"}
    return subprocess.Popen(
        [CELERY, "--app", "livescores", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def log_record(process: subprocess.Popen[str], text: str, timeout: float = 60) -> dict[str, Any]:
    """The log line the process prints with ``text`` in it, which must be a JSON object:
    Celery's own setup would print it plain ("[time: INFO/MainProcess] ...")."""
    return log_records(process, [text], timeout)[text]


_UNREAD: dict[int, str] = {}  # per process: text read from its pipe, not yet a whole line


def log_records(
    process: subprocess.Popen[str], texts: list[str], timeout: float = 60
) -> dict[str, dict[str, Any]]:
    """The log line of each of ``texts``. The pipe is read raw (``os.read``): a buffered
    reader can hold the next lines while ``select`` waits on the empty pipe."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline, seen = time.monotonic() + timeout, []
    found: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline and len(found) < len(texts):
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(fd, 65536).decode(errors="replace")
        if not chunk:
            break
        *lines, _UNREAD[process.pid] = (_UNREAD.get(process.pid, "") + chunk).split("\n")
        for line in lines:
            seen.append(line + "\n")
            for text in texts:
                if text in line and text not in found:
                    assert line.startswith("{"), line
                    found[text] = json.loads(line)
    missing = [text for text in texts if text not in found]
    assert not missing, f"no log line with {missing!r}:\n" + "".join(seen[-30:])
    return found


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_consumes_both_queues_and_logs_json(
    throwaway_redis: ThrowawayRedis, stop: list[subprocess.Popen[str]]
) -> None:
    worker = start(
        throwaway_redis,
        *("worker", "--pool", "solo", "--hostname", "queues@test"),
        *("--without-gossip", "--without-mingle", "--loglevel", "INFO"),
    )
    stop.append(worker)
    record = log_record(worker, "queues@test ready.")
    assert (record["level"], record["logger"]) == ("INFO", "celery.apps.worker"), record
    # Remote control is off (settings: CELERY_WORKER_ENABLE_REMOTE_CONTROL), so the worker
    # is asked by doing: one built-in task on each queue, each received by this worker.
    sender = Celery(broker=throwaway_redis.url)
    ids = {
        queue: sender.send_task("celery.accumulate", args=(queue,), queue=queue).id
        for queue in ("poll", "celery")
    }
    received = {queue: f"celery.accumulate[{task_id}] received" for queue, task_id in ids.items()}
    records = log_records(worker, list(received.values()))
    assert {queue: records[text]["level"] for queue, text in received.items()} == {
        "poll": "INFO",
        "celery": "INFO",
    }


def test_workers_take_no_remote_control() -> None:
    """A worker with remote control declares an auto-delete pidbox queue; kombu's Redis
    transport crashed the whole worker deleting it while Redis restarted
    (AttributeError 'NoneType' object has no attribute 'hostname' in _connparams; see
    celery/kombu#582). Nothing of ours uses control or inspect, so the mailbox is off."""
    assert app.conf.worker_enable_remote_control is False


def test_beat_logs_json(throwaway_redis: ThrowawayRedis, stop: list[subprocess.Popen[str]]) -> None:
    beat = start(throwaway_redis, "beat", "--loglevel", "INFO")
    stop.append(beat)
    record = log_record(beat, "beat: Starting")
    assert (record["level"], record["logger"]) == ("INFO", "celery.beat"), record
