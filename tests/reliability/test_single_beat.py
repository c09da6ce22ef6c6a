"""Exactly one active Celery beat: a second one waits on RedBeat's lock and takes over
when the first is killed (real beat processes, a Redis server of the test's own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import ThrowawayRedis

ROOT = Path(__file__).resolve().parents[2]
ACQUIRED = "beat: Acquired lock"


class Beat:
    def __init__(self, name: str, redis_url: str, logs: Path) -> None:
        self.log = logs / f"{name}.log"
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            # The checks read the beat's INFO lines: beat logs through LOGGING at LOG_LEVEL
            # (and importing benchmarks.common, as the soak test does, sets it to warning).
            "LOG_LEVEL": "info",
            "CELERY_REDBEAT_LOCK_TIMEOUT": "4",
            "POLL_INTERVAL_SECONDS": "1",
        }
        celery = str(Path(sys.executable).parent / "celery")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [celery, "--app", "livescores", "beat", "--loglevel", "INFO"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sends(self) -> int:
        return self.text().count("Sending due task poll scoreboard")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=15)


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def beats(throwaway_redis: ThrowawayRedis, tmp_path: Path) -> Iterator[tuple[Beat, Beat]]:
    started = [Beat("first", throwaway_redis.url, tmp_path)]
    try:  # a beat that never took its lock is stopped too
        first = started[0]
        assert wait_until(lambda: ACQUIRED in first.text(), 30), first.text()
        started.append(Beat("second", throwaway_redis.url, tmp_path))
        yield first, started[1]
    finally:
        for beat in started:
            beat.stop(signal.SIGKILL)


def test_a_second_beat_waits_and_takes_over_when_the_first_is_killed(
    beats: tuple[Beat, Beat],
) -> None:
    first, second = beats
    assert wait_until(lambda: first.sends() >= 3, 20), first.text()
    assert ACQUIRED not in second.text() and second.sends() == 0  # a standby sends nothing
    assert second.process.poll() is None

    first.stop(signal.SIGKILL)  # no goodbye: the lock has to expire (4 s here)
    assert wait_until(lambda: second.sends() >= 2, 30), second.text()
    assert ACQUIRED in second.text()


def test_the_beat_outlives_a_redis_that_is_still_restarting(
    throwaway_redis: ThrowawayRedis, tmp_path: Path
) -> None:
    """The beat's tick meets Redis gone, and taking its lock again fails too while Redis
    is still down: it retries until Redis is back, then sends polls again."""
    beat = Beat("beat", throwaway_redis.url, tmp_path)
    try:
        assert wait_until(lambda: beat.sends() >= 2, 30), beat.text()
        throwaway_redis.stop()
        assert wait_until(lambda: "Redis still unavailable" in beat.text(), 20), beat.text()
        time.sleep(2)  # several failed retries
        throwaway_redis.start()
        sent = beat.sends()
        assert wait_until(lambda: beat.sends() >= sent + 2, 30), beat.text()
        assert beat.process.poll() is None
        assert "beat raised exception" not in beat.text()
    finally:
        beat.stop(signal.SIGKILL)
