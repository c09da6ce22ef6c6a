"""Retention: old polled snapshots (and poll runs) are deleted in small batches.

Games, minute differentials and predictions are kept: they are the product and the
training data. Snapshots are the raw poll history (one row per changed state, about
500 per game) and poll runs the operational log (8,640 a day at 10 s). Plays (about
500 per game, like snapshots) follow the snapshots' window: a game older than it keeps
its box-score lines (about 30 rows), its minutes and its forecasts, not its plays
(the whole season's plays are in ``data/plays_2024-25`` and NBA's archive).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from games.models import Play, PollRun, Snapshot

logger = logging.getLogger(__name__)

BATCH = 5_000


def _delete_in_batches(model: type[Model], field: str, cutoff: dt.datetime, batch: int) -> int:
    deleted = 0
    while True:
        ids = list(
            model.objects.filter(**{f"{field}__lt": cutoff})  # type: ignore[attr-defined]
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        with transaction.atomic():  # short transactions: polls are never blocked for long
            count, _ = model.objects.filter(pk__in=ids).delete()  # type: ignore[attr-defined]
        deleted += count


def prune(older_than_days: int, *, poll_runs: bool = True, batch: int = BATCH) -> dict[str, int]:
    """Delete snapshots (and poll runs) older than ``older_than_days``; counts per table."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    result = {
        "snapshots": _delete_in_batches(Snapshot, "observed_at", cutoff, batch),
        "plays": _delete_in_batches(Play, "first_seen", cutoff, batch),
    }
    if poll_runs:
        result["poll_runs"] = _delete_in_batches(PollRun, "started_at", cutoff, batch)
    logger.info("pruned rows older than %s: %s", cutoff.isoformat(), result)
    return result


def count_older(older_than_days: int) -> dict[str, int]:
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    return {
        "snapshots": Snapshot.objects.filter(observed_at__lt=cutoff).count(),
        "plays": Play.objects.filter(first_seen__lt=cutoff).count(),
        "poll_runs": PollRun.objects.filter(started_at__lt=cutoff).count(),
    }
