"""The Celery application; one beat schedules the poll task.

Two queues (``CELERY_TASK_QUEUES``): ``poll`` takes the poll alone (``CELERY_TASK_ROUTES``),
``celery`` every other task (the forecasts, the outcomes). A worker consumes both unless
told otherwise, and takes from them in turn, so a backlog of forecasts never stands in
front of a poll; a deployment may also run a worker of its own on ``-Q poll``.

Workers and beat log through the settings' ``LOGGING`` (``setup_logging`` below), so
``LOG_FORMAT`` (plain or json) is the same in every process.
"""

from __future__ import annotations

import os
from logging.config import dictConfig
from typing import Any

from celery import Celery
from celery.signals import beat_init, setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")

app = Celery("livescores")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def configure_logging(**kwargs: Any) -> None:
    """Celery's own logging setup is skipped: the settings' LOGGING applies instead."""
    from django.conf import settings

    dictConfig(settings.LOGGING)


@beat_init.connect
def start_stack_run(**kwargs: Any) -> None:
    """A beat starting is this stack starting: a new run id (``games.models.StackRun``),
    so /healthz judges only the polls made from now on."""
    import logging

    import django

    django.setup()
    from games.models import StackRun

    run = StackRun.start()
    logging.getLogger(__name__).info("stack %s started", run.run_id)
