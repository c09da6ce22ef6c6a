"""The alert tasks: thin, idempotent (alerts are stored once), retried with backoff."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from alerts.services import evaluate_feed, evaluate_games


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def evaluate_alerts(game_ids: list[str]) -> int:
    """The rules over the games a poll or a forecast just changed."""
    return evaluate_games(game_ids)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=True,
    max_retries=3,
    ignore_result=True,
)
def check_feed() -> int:
    """Feed trouble (sent by the beat: a failing poll announces nothing)."""
    return len(evaluate_feed())
