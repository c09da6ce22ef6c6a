"""Prometheus metrics (prometheus-client), served by every web process at /metrics.

Celery workers and daphne are different processes (possibly on different hosts),
so nothing a worker observes lives in a web process's memory:

* poll latency and outcomes are counted by the worker in a Redis hash (one
  pipelined round trip per poll) and read back at scrape time;
* games tracked and the age of the last successful poll are read from PostgreSQL at
  scrape time (this module never imports the apps above it);
* the apps above add their own on ``REGISTRY``: ``predictions`` a collector of the
  forecasts made, ``realtime`` the open sockets and snapshots of each web process.

A Redis restart resets the poll counters, which Prometheus treats as a counter reset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

POLL_METRICS_KEY = "livescores:metrics:poll"
POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)


def record_poll(run: Any) -> None:
    """Count one poll run (a PollRun) in Redis; a Redis failure never fails the poll."""
    from games.redis_client import get_redis

    seconds = run.total_ms / 1000
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for bound in POLL_BUCKETS:
                if seconds <= bound:
                    pipe.hincrby(POLL_METRICS_KEY, f"le:{bound}", 1)
            pipe.hincrby(POLL_METRICS_KEY, "count", 1)
            pipe.hincrbyfloat(POLL_METRICS_KEY, "sum", seconds)
            pipe.hincrby(POLL_METRICS_KEY, f"outcome:{run.outcome}", 1)
            pipe.execute()
    except RedisError as exc:
        logger.warning("poll metrics not recorded: Redis: %s", exc)


GAME_FEED_METRICS_KEY = "livescores:metrics:game-feed"


def record_game_feed(endpoint: str, outcome: str, amount: int = 1) -> None:
    """Count a play-by-play / box-score request outcome ("request", "unchanged",
    "over_budget", "failure:<class>") in Redis; a Redis failure never fails the fetch."""
    from games.redis_client import get_redis

    try:
        get_redis().hincrby(GAME_FEED_METRICS_KEY, f"{endpoint}|{outcome}", amount)
    except RedisError as exc:
        logger.warning("game feed metrics not recorded: Redis: %s", exc)


class LivescoresCollector(Collector):
    """Reads the worker-side and database-derived metrics at scrape time."""

    def collect(self) -> Iterator[Any]:
        yield from self._poll_metrics()
        yield from self._game_feed_metrics()
        yield from self._database_metrics()

    def _poll_metrics(self) -> Iterator[Any]:
        from games.redis_client import get_redis

        try:
            raw = get_redis().hgetall(POLL_METRICS_KEY)
        except RedisError as exc:
            logger.warning("metrics: Redis unavailable: %s", exc)
            return
        values = {
            (key.decode() if isinstance(key, bytes) else str(key)): float(value)
            for key, value in raw.items()
        }
        count = values.get("count", 0.0)
        histogram = HistogramMetricFamily(
            "livescores_poll_duration_seconds",
            "Fetch + processing time of scoreboard polls (all outcomes).",
        )
        buckets = [(str(b), values.get(f"le:{b}", 0.0)) for b in POLL_BUCKETS]
        histogram.add_metric([], [*buckets, ("+Inf", count)], values.get("sum", 0.0))
        yield histogram
        polls = CounterMetricFamily(
            "livescores_polls", "Scoreboard polls by outcome.", labels=["outcome"]
        )
        for key, value in sorted(values.items()):
            if key.startswith("outcome:"):
                polls.add_metric([key.removeprefix("outcome:")], value)
        yield polls

    def _game_feed_metrics(self) -> Iterator[Any]:
        from games.redis_client import get_redis

        try:
            raw = get_redis().hgetall(GAME_FEED_METRICS_KEY)
        except RedisError as exc:
            logger.warning("metrics: Redis unavailable: %s", exc)
            return
        requests = CounterMetricFamily(
            "livescores_game_feed_requests",
            "Play-by-play and box-score requests by endpoint and outcome (request, "
            "unchanged body skipped, not made for the request budget).",
            labels=["endpoint", "outcome"],
        )
        failures = CounterMetricFamily(
            "livescores_game_feed_failures",
            "Play-by-play and box-score fetch failures by endpoint and failure class.",
            labels=["endpoint", "kind"],
        )
        for key, value in sorted(raw.items()):
            endpoint, _, outcome = (key.decode() if isinstance(key, bytes) else str(key)).partition(
                "|"
            )
            if outcome.startswith("failure:"):
                failures.add_metric([endpoint, outcome.removeprefix("failure:")], float(value))
            else:
                requests.add_metric([endpoint, outcome], float(value))
        yield requests
        yield failures

    def _database_metrics(self) -> Iterator[Any]:
        from games.feed.types import GameStatus
        from games.models import Board, Game, PollRun

        try:
            by_status = dict(
                Game.objects.on_board(Board.tonight())
                .order_by()
                .values_list("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
            last_ok = PollRun.objects.last_good_time()
        except DatabaseError as exc:
            logger.warning("metrics: database unavailable: %s", exc)
            return
        games = GaugeMetricFamily(
            "livescores_games_tracked", "Today's games by status.", labels=["status"]
        )
        for status in GameStatus:
            games.add_metric([status.label], by_status.get(status.value, 0))
        yield games
        if last_ok is not None:
            yield GaugeMetricFamily(
                "livescores_last_successful_poll_age_seconds",
                "Seconds since the last successful poll started.",
                value=(timezone.now() - last_ok).total_seconds(),
            )


REGISTRY.register(LivescoresCollector())
