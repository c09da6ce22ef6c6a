from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from games.feed import FeedError
from games.services import poll_exclusively


@shared_task(
    autoretry_for=(FeedError, OperationalError, RedisConnectionError),
    retry_backoff=1,
    retry_backoff_max=8,
    retry_jitter=True,
    max_retries=2,
    ignore_result=True,
)
def poll_scoreboard() -> str:
    run = poll_exclusively()
    return run.outcome if run else "skipped"
