"""Logging filters of the settings' ``LOGGING``."""

from __future__ import annotations

import logging

from games.broker import BROKER_AWAY as OUTAGE_ERRORS


class BrokerOutageFilter(logging.Filter):
    """Celery logs "Couldn't ack …" at CRITICAL with a traceback when the broker (Redis)
    is away while a task finishes. Expected during a Redis restart and harmless here:
    tasks are ``acks_late`` and idempotent, so the unacked message is delivered again.
    The line stays, as a warning naming the error, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if (
            record.name == "celery.worker.request"
            and record.getMessage().startswith("Couldn't ack")
            and isinstance(exc, OUTAGE_ERRORS)
        ):
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc}; redelivered)"
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
