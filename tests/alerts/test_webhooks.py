"""Webhooks: the URL rule, and delivery against a real local HTTP server that fails,
times out and then accepts: after dropping repeats by alert id, each alert arrives
exactly once, none is lost, nothing is resent after a 2xx and no log line holds the URL."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from alerts import tasks
from alerts.models import Alert, DeliveryStatus, Webhook, WebhookDelivery
from alerts.rules import Candidate, Moment
from alerts.services import raise_alert
from alerts.webhooks import attempt_delivery, validate_webhook_url
from games.feed.parser import parse_scoreboard
from games.models import Game
from games.services import ingest_scoreboard
from support.payloads import at_minute, board

SECRET_PATH = "/services/T0SECRET/B0SECRET/xoxsecrettoken"


class Receiver:
    """A chat's incoming webhook on 127.0.0.1: answers per ``plan`` ("fail": 500,
    "slow": sleeps past the client's timeout then 200, "redirect": 302, "ok": 200), then
    200 once the plan is spent; records every body it read."""

    def __init__(self, plan: list[str]) -> None:
        self.plan = list(plan)
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                step = receiver.plan.pop(0) if receiver.plan else "ok"
                if step == "slow":
                    time.sleep(0.6)
                code = {"fail": 500, "redirect": 302}.get(step, 200)
                self.send_response(code)
                if code == 302:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}{SECRET_PATH}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids_once(self) -> list[int]:
        """What a receiver that drops repeats by id keeps, in arrival order."""
        seen: list[int] = []
        for body in self.bodies:
            if body["alert_id"] not in seen:
                seen.append(body["alert_id"])
        return seen


@pytest.fixture(autouse=True)
def inline_tasks() -> Iterator[None]:
    """Queued tasks run in place, their retries too (as apply() runs them)."""
    from livescores.celery_app import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def receiver() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(plan: list[str]) -> Receiver:
        made.append(Receiver(plan))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def two_alerts() -> list[Alert]:
    ingest_scoreboard(parse_scoreboard(board(at_minute(44, 100, 97))))
    game = Game.objects.get()
    moment = Moment(4, 240, 2640, 100, 97)
    raised = [
        raise_alert(game, Candidate("clutch", "P4", "Clutch time: BOS 97 @ PHI 100", moment)),
        raise_alert(game, Candidate("run", "home@60", "Run: PHI on a 10-0 run", moment)),
    ]
    return [alert for alert in raised if alert is not None]


@pytest.mark.django_db
@override_settings(ALERT_WEBHOOK_TIMEOUT_SECONDS=0.3, DEBUG=True)  # development: http loopback
def test_a_failing_then_slow_then_accepting_chat_gets_each_alert_once_after_dedup(
    receiver: Any, caplog: pytest.LogCaptureFixture
) -> None:
    chat = receiver(["fail", "slow", "fail", "ok"])
    Webhook.objects.create(name="desk chat", url=chat.url)
    Webhook.objects.create(name="clutch only", url=chat.url, rules=["clutch"], active=False)
    alerts = two_alerts()
    caplog.set_level(logging.INFO)
    for alert in alerts:  # the alert_raised receiver's task; its retries run in place
        result = tasks.queue_webhooks.apply(args=[alert.pk])
        assert result.successful()
    assert chat.ids_once() == [a.pk for a in alerts]  # each once, none lost
    assert len(chat.bodies) > len(alerts)  # the slow one arrived and was sent again
    assert all(b["text"].endswith(f"(alert {b['alert_id']})") for b in chat.bodies)
    rows = list(WebhookDelivery.objects.order_by("alert_id"))
    assert [(d.status, d.last_status_code) for d in rows] == [(DeliveryStatus.DELIVERED, 200)] * 2
    assert [d.attempts for d in rows] == [4, 1]  # 500, timeout, 500, 200; then 200
    received = len(chat.bodies)
    for delivery in rows:  # a replayed task after the 2xx: nothing resent
        assert tasks.deliver_webhook.apply(args=[delivery.pk]).get() == DeliveryStatus.DELIVERED
        tasks.queue_webhooks.apply(args=[delivery.alert_id])
    assert len(chat.bodies) == received and WebhookDelivery.objects.count() == 2
    logged = caplog.text + "".join(d.last_error for d in rows)
    assert "timeout after 0.3 s" in caplog.text and "HTTP 500" in caplog.text
    assert "SECRET" not in logged and "xoxsecrettoken" not in logged


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_a_redirect_is_not_followed_and_the_retries_end_in_failed(receiver: Any) -> None:
    chat = receiver(["redirect"] * 20)
    Webhook.objects.create(name="moved", url=chat.url)
    alert = two_alerts()[0]
    tasks.queue_webhooks.apply(args=[alert.pk])
    delivery = WebhookDelivery.objects.get(alert=alert)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "HTTP 302")
    assert delivery.attempts == tasks.deliver_webhook.max_retries + 1
    assert len(chat.bodies) == delivery.attempts  # nothing went to the Location


def public(host: str) -> list[str]:
    return {"chat.example": ["93.184.216.34"], "inside.example": ["10.1.2.3"]}[host]


@pytest.mark.parametrize(
    ("url", "debug", "problem"),
    [
        ("https://chat.example/hook", False, None),
        ("http://chat.example/hook", False, "must be https"),
        ("http://127.0.0.1:8000/hook", True, None),  # development: a local receiver
        ("https://127.0.0.1/hook", False, "private, loopback or link-local"),
        ("https://[::1]/hook", False, "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data", False, "private, loopback or link-local"),
        ("https://192.168.1.5/hook", False, "private, loopback or link-local"),
        ("https://inside.example/hook", False, "private, loopback or link-local"),
        ("ftp://chat.example/hook", True, "must be https"),
        ("https://user:pw@chat.example/hook", False, "no credentials"),
    ],
)
def test_the_url_rule(url: str, debug: bool, problem: str | None) -> None:
    if problem is None:
        validate_webhook_url(url, debug=debug, resolve=public)
    else:
        with pytest.raises(ValidationError, match=problem):
            validate_webhook_url(url, debug=debug, resolve=public)


@pytest.mark.django_db
def test_in_production_a_private_host_is_refused_at_save_and_again_at_send(
    receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = receiver([])
    with override_settings(DEBUG=False), pytest.raises(ValidationError, match="loopback"):
        Webhook(name="loop", url=chat.url.replace("http:", "https:")).full_clean()
    with override_settings(DEBUG=True):
        Webhook(name="loop", url=chat.url).full_clean()  # development: fine
    # Saved without the check (as a row from development would be): https, loopback.
    hook = Webhook.objects.create(name="saved earlier", url=chat.url.replace("http:", "https:"))
    alert = two_alerts()[0]
    delivery = WebhookDelivery.objects.create(webhook=hook, alert=alert)
    with override_settings(DEBUG=False), pytest.raises(Exception, match="refused"):
        attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("refused: the webhook host 127.0.0.1 is")
    assert chat.bodies == []  # nothing was sent


@pytest.mark.django_db
def test_the_admin_refuses_a_bad_url_and_shows_the_delivery_log(admin_client: Any) -> None:
    answer = admin_client.post(
        "/admin/alerts/webhook/add/",
        {
            "name": "chat",
            "url": "http://chat.example/hook",
            "rules": "[]",
            "active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 200 and b"must be https" in answer.content
    assert not Webhook.objects.exists()
    hook = Webhook.objects.create(name="chat", url="https://chat.example" + SECRET_PATH)
    alert = two_alerts()[0]
    WebhookDelivery.objects.create(webhook=hook, alert=alert, attempts=2, last_error="HTTP 500")
    log = admin_client.get("/admin/alerts/webhookdelivery/").content.decode()
    assert "HTTP 500" in log and "pending" in log
    listing = admin_client.get("/admin/alerts/webhook/").content.decode()
    assert "chat.example" in listing and "xoxsecrettoken" not in listing
