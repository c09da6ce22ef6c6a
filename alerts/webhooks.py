"""Outgoing webhooks: the URL rule, the Slack-compatible body, one delivery attempt.

Delivery is at least once: a request that timed out may have arrived, so every body
carries the alert's id and a receiver drops repeats by it; after a 2xx nothing is sent
again. Requests go out with a short timeout (``ALERT_WEBHOOK_TIMEOUT_SECONDS``) and do
not follow redirects (a 3xx is a failure). The URL is a secret: logs and the delivery
log name the webhook and the URL's host only, never the URL or a library's error text
(which quotes it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, DeliveryStatus, Webhook, WebhookDelivery
from alerts.webhook_urls import host_of, validate_webhook_url

__all__ = ["DeliveryFailed", "attempt_delivery", "body_of", "host_of", "validate_webhook_url"]

logger = logging.getLogger(__name__)


def body_of(alert: Alert) -> dict[str, Any]:
    """Slack-compatible JSON (``text``), with the alert's id for dropping repeats."""
    return {
        "text": f"{alert.text} (alert {alert.pk})",
        "alert_id": alert.pk,
        "rule": alert.rule,
        "game_id": alert.game_id,
        "raised_at": alert.raised_at.isoformat(),
    }


class DeliveryFailed(Exception):
    """This attempt failed (the message names no URL); the task retries with backoff."""


def attempt_delivery(delivery_id: int, *, post: Callable[..., Any] = requests.post) -> str:
    """One attempt at a delivery; returns its status. Raises DeliveryFailed to retry.

    The row is locked for the attempt, so two workers never send it at once; a delivered
    one is never sent again.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook", "alert", "alert__game")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy"  # another worker holds it (or it is gone)
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        webhook = delivery.webhook
        delivery.attempts += 1
        error, code = _send(webhook, delivery.alert, post)
        delivery.last_status_code = code
        if error is None:
            delivery.status, delivery.last_error = DeliveryStatus.DELIVERED, ""
            delivery.delivered_at = timezone.now()
        else:
            delivery.last_error = error
        delivery.save()
    if error is not None:
        logger.warning(
            "webhook %s (%s): alert %s attempt %d failed: %s",
            webhook.pk,
            host_of(webhook.url),
            delivery.alert_id,
            delivery.attempts,
            error,
        )
        raise DeliveryFailed(error)
    logger.info(
        "webhook %s (%s): alert %s delivered (attempt %d)",
        webhook.pk,
        host_of(webhook.url),
        delivery.alert_id,
        delivery.attempts,
    )
    return delivery.status


def _send(
    webhook: Webhook, alert: Alert, post: Callable[..., Any]
) -> tuple[str | None, int | None]:
    """(error or None, HTTP status or None): the URL checked again, then one POST."""
    try:
        validate_webhook_url(webhook.url)
    except ValidationError as exc:
        return f"refused: {' '.join(exc.messages)}"[:200], None
    timeout = settings.ALERT_WEBHOOK_TIMEOUT_SECONDS
    try:
        response = post(webhook.url, json=body_of(alert), timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return f"timeout after {timeout:g} s", None
    except requests.RequestException as exc:
        return f"{type(exc).__name__}", None  # its text quotes the URL: not kept
    if 200 <= response.status_code < 300:
        return None, response.status_code
    return f"HTTP {response.status_code}", response.status_code


def give_up(delivery_id: int) -> None:
    """The retries are spent: the delivery is failed (the admin shows the last error)."""
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, updated_at=timezone.now()
    )


def deliveries_for(alert: Alert) -> list[int]:
    """One delivery row per webhook that wants the alert (created once); the ids of
    those still pending."""
    for webhook in Webhook.objects.filter(active=True):
        if webhook.wants(alert.rule):
            WebhookDelivery.objects.get_or_create(webhook=webhook, alert=alert)
    return list(
        WebhookDelivery.objects.filter(alert=alert, status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
