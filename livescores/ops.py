"""Operations endpoints: /healthz (database, Redis, last poll) and /metrics (Prometheus)."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from games.metrics import REGISTRY
from games.models import PollRun, StackRun
from games.play_services import follow_status
from games.redis_client import get_redis
from livescores.client_ip import client_ip, in_networks

logger = logging.getLogger(__name__)


def health_checks(check_poll: bool = True) -> dict[str, dict[str, Any]]:
    """Each check's result: {"ok": bool, ...details}."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    try:
        get_redis().ping()
        checks["redis"] = {"ok": True}
    except RedisError as exc:
        checks["redis"] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    if check_poll and checks["database"]["ok"]:
        # Only this stack's polls: since its beat started (StackRun), when one did.
        run = StackRun.current()
        last_ok = PollRun.objects.last_good_time(since=run.started_at if run else None)
        age = (timezone.now() - last_ok).total_seconds() if last_ok else None
        limit = settings.HEALTH_MAX_POLL_AGE_SECONDS
        checks["poll"] = {
            "ok": age is not None and age <= limit,
            "run": run.run_id if run else None,
            "run_started": run.started_at.isoformat() if run else None,
            "last_ok": last_ok.isoformat() if last_ok else None,
            "age_seconds": round(age, 1) if age is not None else None,
            "max_age_seconds": limit,
        }
    if settings.PLAYS_FOLLOW:
        checks["plays"] = follow_status()
    return checks


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503. ``?poll=ignore`` skips the poll age (for
    load balancers: a stopped poller must not take the web processes out of service)."""
    checks = health_checks(check_poll=request.GET.get("poll") != "ignore")
    ok = all(check["ok"] for check in checks.values())
    if not ok:
        logger.warning("health check failing: %s", {k: v for k, v in checks.items() if not v["ok"]})
    return JsonResponse(
        {"status": "ok" if ok else "failing", "checks": checks}, status=200 if ok else 503
    )


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition; with METRICS_ALLOWED_NETWORKS set, only for clients in those
    networks (the address as livescores.client_ip sees it: X-Forwarded-For only from
    TRUSTED_PROXIES); with METRICS_TOKEN set, only for ``Authorization: Bearer …``."""
    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks and not in_networks(client_ip(request), networks):
        return HttpResponse(
            "metrics are not served to this network\n", status=403, content_type="text/plain"
        )
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return HttpResponse(
                "metrics need the bearer token\n", status=401, content_type="text/plain"
            )
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
