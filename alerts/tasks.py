"""The alert tasks: thin, idempotent (alerts are stored once), retried with backoff."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from alerts.models import Alert
from alerts.services import evaluate_feed, evaluate_games
from alerts.webhooks import DeliveryFailed, attempt_delivery, deliveries_for, give_up


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


@shared_task(
    bind=True,
    autoretry_for=(DeliveryFailed, OperationalError),
    retry_backoff=2,  # 2, 4, 8, ... s (exponential, with jitter), at most 5 minutes apart
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def deliver_webhook(self: Any, delivery_id: int) -> str:
    """One alert to one webhook, retried until a 2xx or the retries are spent."""
    try:
        return attempt_delivery(delivery_id)
    except DeliveryFailed:
        if self.request.retries >= self.max_retries:
            give_up(delivery_id)
        raise


@shared_task(autoretry_for=(OperationalError,), retry_backoff=1, max_retries=5, ignore_result=True)
def queue_webhooks(alert_id: int) -> int:
    """The deliveries of a new alert, each its own task."""
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return 0
    ids = deliveries_for(alert)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
