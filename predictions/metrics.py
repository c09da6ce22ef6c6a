"""Forecast counters on the project's Prometheus registry (``games.metrics.REGISTRY``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from games.metrics import REGISTRY

logger = logging.getLogger(__name__)


class PredictionsCollector(Collector):
    """Forecasts made, read from PostgreSQL at scrape time."""

    def collect(self) -> Iterator[Any]:
        from predictions.models import Prediction

        try:
            predictions = Prediction.objects.count()
        except DatabaseError as exc:
            logger.warning("metrics: database unavailable: %s", exc)
            return
        yield CounterMetricFamily(
            "livescores_predictions", "Minute-18 forecasts made.", value=predictions
        )


_registered = False


def register() -> None:
    """Add the collector to the registry once per process."""
    global _registered
    if not _registered:
        REGISTRY.register(PredictionsCollector())
        _registered = True
