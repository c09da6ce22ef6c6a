"""Exactly one active Celery beat, however many are started (RedBeat's Redis lock).

RedBeat (celery-redbeat) keeps the schedule in Redis and lets only the beat holding
its lock send tasks; a second beat blocks on the lock as a hot standby and takes over
within ``CELERY_REDBEAT_LOCK_TIMEOUT`` seconds of the first one dying. One gap is
closed here: when Redis restarts, the lock key and the schedule RedBeat keeps in Redis
are gone; RedBeat's ``extend`` raises, which would end the beat (and a beat that went
on would find nothing to schedule). This scheduler takes the lock again (waiting, if a
standby got it first, and retrying with backoff while Redis is still coming back) and
writes the schedule back from the settings.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redbeat import RedBeatScheduler
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 5.0


class SingleBeatScheduler(RedBeatScheduler):  # type: ignore[misc]
    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            return float(super().tick(*args, **kwargs))
        except (LockError, RedisConnectionError) as exc:
            logger.warning("beat lost its lock (%s); waiting to hold it again", exc)
            self.hold_lock_again()
            return 0.0  # tick again now: extend the fresh lock and send what is due

    def hold_lock_again(self, sleep: Any = time.sleep) -> None:
        """Take the lock again and restore the schedule, however long Redis is away."""
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                if self.lock is not None:
                    self.lock.acquire()  # blocks while another beat is the active one
                self.setup_schedule()  # the entries lived in the Redis that restarted
            except RedisConnectionError as exc:
                logger.warning("Redis still unavailable (%s); beat retries in %.1f s", exc, delay)
                sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
                continue
            logger.info("beat holds the lock again; schedule restored")
            return
