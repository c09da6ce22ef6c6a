"""The Celery application; one beat schedules the poll task."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livescores.settings")

app = Celery("livescores")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
